/** The command line (SPEC §10). */
export { root } from "./commands/root.ts";
export { runCli } from "./run.ts";
