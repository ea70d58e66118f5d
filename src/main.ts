#!/usr/bin/env bun
import { root, runCli } from "./cli/index.ts";
import { SQL_CHILD_ARG, sqlChildMain } from "./sql/index.ts";

// The SQL console's query process (src/sql/run.ts) is this same program with a hidden first argument.
if (process.argv[2] === SQL_CHILD_ARG) {
  process.exit(await sqlChildMain());
}

// Exit as soon as the command is done: after a server stops, Bun's event loop
// can linger for a second or more before exiting on its own.
process.exit(await runCli(root, process.argv.slice(2)));
