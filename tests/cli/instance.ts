/** A running `fazt server start` with its own HOME, driven through the CLI as a user would. */
import { expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  type CliOptions,
  type CliResult,
  fazt,
  type ServerProcess,
  startServerProcess,
} from "../helpers/cli.ts";
import { freePort, tempDir } from "../helpers/temp.ts";
import { PASSWORD } from "./support.ts";

export interface Instance {
  home: string;
  db: string;
  port: number;
  server: ServerProcess;
  /** Runs the CLI with this instance's HOME (so its database, and its `local` peer). */
  run(args: string[], opts?: Partial<CliOptions>): Promise<CliResult>;
  /** fetch on the instance with a Host header. */
  get(path: string, host: string): Promise<Response>;
}

const running: ServerProcess[] = [];

/**
 * Initialises a database whose stored port is the one the server listens on
 * (the `local` peer's URL comes from it), then starts the server.
 */
export async function startInstance(): Promise<Instance> {
  const home = tempDir();
  const port = freePort();
  const init = await fazt(["server", "init", "--password", PASSWORD, "--port", String(port)], { home });
  expect(init.code).toBe(0);
  const server = await startServerProcess([], { home, port });
  running.push(server);
  return {
    home,
    db: join(home, ".fazt", "data.db"),
    port,
    server,
    run: (args, opts = {}) => fazt(args, { home, ...opts }),
    get: (path, host) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { host }, redirect: "manual" }),
  };
}

export async function stopInstances(): Promise<void> {
  for (const s of running.splice(0)) await s.stop();
}

/** A folder holding `files` (path → content), optionally with a given folder name. */
export function makeFolder(files: Record<string, string>, name = "site"): string {
  const root = join(tempDir(), name);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** `{"data": …}` of a successful `--format json` run. */
export function data<T = Record<string, unknown>>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { data: T }).data;
}
