#!/usr/bin/env bun
import { root, runCli } from "./cli/index.ts";

// Exit as soon as the command is done: after a server stops, Bun's event loop
// can linger for a second or more before exiting on its own.
process.exit(await runCli(root, process.argv.slice(2)));
