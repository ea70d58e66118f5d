/** App code: the QuickJS sandbox (the engine for now; handlers come with the runtime issue). */
export { loadEngine, selfCheck } from "./engine.ts";
