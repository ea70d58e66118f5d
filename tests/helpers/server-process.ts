/**
 * The real server in a process of its own, for tests that measure the
 * server's memory (/proc/PID/status) without the test runner's own
 * allocations in the figure. Run as `bun server-process.ts '<config JSON>'`:
 * starts `startTestServer` with that config, deploys the app `echo` (an
 * `/api` handler that answers with the size of the body it got), prints one
 * JSON line `{port, adminToken}` and runs until SIGTERM.
 *
 * `startServerProcess` below is the parent's side.
 */
import { join } from "node:path";
import type { ConfigPatch } from "../../src/db/index.ts";
import { deployFiles } from "./deploy.ts";
import { startTestServer } from "./server.ts";
import { cleanupTemp } from "./temp.ts";

export interface ServerChild {
  proc: Bun.Subprocess<"ignore", "pipe", "inherit">;
  pid: number;
  port: number;
  adminToken: string;
  stop(): Promise<void>;
}

/** Starts this file as a child process and waits for its `{port, adminToken}` line. */
export async function startServerChild(config: ConfigPatch): Promise<ServerChild> {
  const proc = Bun.spawn(
    [process.execPath, join(import.meta.dir, "server-process.ts"), JSON.stringify(config)],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server process exited (${await proc.exited}) before it was ready`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const ready = JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number; adminToken: string };
  return {
    proc,
    pid: proc.pid,
    ...ready,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

if (import.meta.main) {
  const s = await startTestServer({ config: JSON.parse(process.argv[2] ?? "{}") as ConfigPatch });
  await deployFiles(s, "echo", {
    "index.html": "echo",
    "api/main.js": `export default async (req) => {
      const type = req.headers.get("content-type") ?? "";
      if (type.startsWith("multipart/")) {
        const form = await req.formData();
        return { note: form.get("note"), size: form.get("file")?.size ?? null };
      }
      return { bytes: (await req.arrayBuffer()).byteLength };
    };`,
  });
  process.on("SIGTERM", () => {
    void s.stop().finally(() => {
      cleanupTemp();
      process.exit(0);
    });
  });
  console.log(JSON.stringify({ port: s.port, adminToken: s.adminToken }));
}
