#!/usr/bin/env bun
import { root, runCli } from "./cli/index.ts";

process.exitCode = await runCli(root, process.argv.slice(2));
