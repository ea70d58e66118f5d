/**
 * App code: QuickJS runtimes in worker threads, run for events through one
 * `createRuntime(…).invoke(app, event)`. The serving thread loads this
 * folder on the first `/api` request; nothing here loads QuickJS itself
 * (the workers do), so importing it stays cheap.
 */
export { runApi } from "./http.ts";
export { defaultPoolSize, type PoolSize } from "./pool.ts";
export { createRuntime, type Runtime, type RuntimeOptions } from "./runtime.ts";
export type {
  AppRef,
  CronEvent,
  EventResults,
  JobEvent,
  Limits,
  RequestEvent,
  RuntimeEvent,
  SocketEvent,
  WireRequest,
  WireResponse,
  WireUser,
} from "./wire.ts";

/** Proves the sandbox works in this build (`fazt version`); loads the engine only when called. */
export async function selfCheck(): Promise<{ ok: boolean; detail: string }> {
  return (await import("./engine.ts")).selfCheck();
}
