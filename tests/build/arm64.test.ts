import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { ensureBinary, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

// Compiled binaries (and qemu) start slowly on a busy machine: more than the default 5 s.
setDefaultTimeout(60_000);

/**
 * Smoke test of the arm64 build under user-mode emulation. Developers without
 * qemu skip it; CI sets FAZT_REQUIRE_QEMU=1 so that a missing qemu fails.
 */
const QEMU = "qemu-aarch64-static";
const SYSROOT = "/usr/aarch64-linux-gnu";
const haveQemu = Bun.which(QEMU) !== null && existsSync(SYSROOT);
const requireQemu = process.env.FAZT_REQUIRE_QEMU === "1";

let server: ServerProcess | undefined;
afterAll(() => {
  if (server && server.proc.exitCode === null) server.proc.kill("SIGKILL");
  cleanupTemp();
});

test.skipIf(!haveQemu && !requireQemu)(
  "dist/fazt-linux-arm64 answers /health under qemu",
  async () => {
    if (!haveQemu) {
      throw new Error(
        `${QEMU} or ${SYSROOT} is missing: install qemu-user-static and libc6-arm64-cross (apt-get install qemu-user-static libc6-arm64-cross)`,
      );
    }
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
