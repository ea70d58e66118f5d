/** The command line (docs/cli.md). */
export { root } from "./commands/root.ts";
export { runCli } from "./run.ts";
