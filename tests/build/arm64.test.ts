import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";
import { zipOf } from "../helpers/zip.ts";

// Compiled binaries (and qemu) start slowly on a busy machine: more than the default 5 s.
setDefaultTimeout(60_000);

/**
 * Smoke test of the arm64 build under user-mode emulation. Developers without
 * qemu skip it; under CI a missing qemu fails (tests/helpers/tools.ts).
 */
const QEMU = "qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const why =
  "the arm64 binary runs under user-mode emulation (apt-get install qemu-user-static libc6-arm64-cross)";
const haveQemu = requireTool(QEMU, why) && requireTool(SYSROOT, why);

let server: ServerProcess | undefined;
afterAll(() => {
  if (server && server.proc.exitCode === null) server.proc.kill("SIGKILL");
  cleanupTemp();
});

test.skipIf(!haveQemu)(
  "dist/fazt-linux-arm64 answers /health under qemu",
  async () => {
    const binary = ensureBinary("linux-arm64");
    server = await startServerProcess([], {
      home: tempDir(),
      port: freePort(),
      binary,
      wrap: [QEMU, "-L", SYSROOT],
      readyTimeoutMs: 60_000,
    });
    const res = await fetch(`http://127.0.0.1:${server.port}/health`, { headers: { host: "localhost" } });
    expect(res.status).toBe(200);
    expect(await server.stop("SIGTERM")).toBe(0);
  },
  300_000,
);

test.skipIf(!haveQemu)(
  "dist/fazt-linux-arm64 deploys and serves a site with app code under qemu",
  async () => {
    const binary = ensureBinary("linux-arm64");
    const home = tempDir();
    const port = freePort();
    const wrap = [QEMU, "-L", SYSROOT];
    const run = (args: string[]) => fazt(args, { home, binary, wrap });
    expect(
      (await run(["server", "init", "--password", "correct-horse-battery", "--port", String(port)])).code,
    ).toBe(0);
    const key = await run(["server", "create-key", "--name", "arm64", "--format", "json"]);
    const token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
    server = await startServerProcess([], { home, port, binary, wrap, readyTimeoutMs: 60_000 });
    const form = new FormData();
    const zip = zipOf({
      "index.html": "<h1>arm64</h1>",
      "api/main.js":
        "export default async (req) => ({ arch: 'arm64', n: fazt.app.ds.insert('hits', { at: Date.now() }) ? fazt.app.ds.count('hits') : 0 })",
    });
    form.append("file", new Blob([zip as Uint8Array<ArrayBuffer>]), "site.zip");
    form.append("name", "site");
    const deployed = await fetch(`http://127.0.0.1:${port}/api/deploy`, {
      method: "POST",
      headers: { host: "localhost", authorization: `Bearer ${token}` },
      body: form,
    });
    expect(`${deployed.status} ${await deployed.text()}`).toStartWith("201");
    const at = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: "site.localhost" } });
    expect(await (await at("/")).text()).toBe("<h1>arm64</h1>");
    expect(await (await at("/api/hit")).json()).toEqual({ arch: "arm64", n: 1 });
    expect(await (await at("/api/hit")).json()).toEqual({ arch: "arm64", n: 2 });
    expect(await server.stop("SIGTERM")).toBe(0);
  },
  300_000,
);
