import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { bannerPassword, outputMatching, ownerHash, status } from "./support.ts";

const started: ServerProcess[] = [];
afterAll(() => {
  for (const s of started) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  cleanupTemp();
});

async function start(home: string): Promise<ServerProcess> {
  const server = await startServerProcess([], { home, port: freePort() });
  started.push(server);
  return server;
}

const get = (server: ServerProcess, path: string, host: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  headers.set("host", host);
  return fetch(`http://127.0.0.1:${server.port}${path}`, { ...init, headers, redirect: "manual" });
};

describe("first run with an empty HOME", () => {
  test("server start initialises, serves the hosts, and exits 0 on SIGTERM", async () => {
    const home = tempDir();
    const server = await start(home);
    const db = join(home, ".fazt", "data.db");
    expect(existsSync(db)).toBe(true);

    const out = await outputMatching(server, /serving on/);
    const password = bannerPassword(out);
    expect(password).toBeDefined();
    expect(await Bun.password.verify(password!, ownerHash(db))).toBe(true);

    const health = await get(server, "/health", "localhost");
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toBeTruthy();

    const root = await get(server, "/", "root.localhost");
    expect(root.status).toBe(200);
    expect(root.headers.get("content-type")).toContain("text/html");
    expect(await root.text()).toContain("Fazt is running");

    const missing = await get(server, "/", "nope.localhost");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("text/html");
    expect(await missing.text()).toContain("<html");

    // While the server runs the WAL files exist; they are private too.
    for (const file of [db, `${db}-wal`, `${db}-shm`]) {
      if (existsSync(file)) expect(statSync(file).mode & 0o777).toBe(0o600);
    }

    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("the first start stores domain localhost and owner admin; the second prints no password", async () => {
    const home = tempDir();
    const first = await start(home);
    await outputMatching(first, /serving on/);
    expect(await first.stop("SIGINT")).toBe(0);
    const s = await status({ home });
    expect(s.domain).toBe("localhost");
    expect(s.owner).toBe("admin");

    const second = await start(home);
    const out = await outputMatching(second, /serving on/);
    expect(bannerPassword(out)).toBeUndefined();
    expect(await second.stop()).toBe(0);
  });
});

describe("graceful shutdown", () => {
  test("a request in flight when SIGTERM arrives still completes", async () => {
    const home = tempDir();
    const server = await start(home);
    // The CLI may open the database while the server runs.
    const key = await fazt(["server", "create-key", "--name", "test", "--format", "json"], { home });
    expect(key.code).toBe(0);
    const { token } = (JSON.parse(key.stdout) as { data: { token: string } }).data;

    const json = JSON.stringify({ env: "development" });
    const half = Math.floor(json.length / 2);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(json.slice(0, half)));
        await Bun.sleep(300); // the request has reached the handler
        server.proc.kill("SIGTERM");
        await Bun.sleep(300);
        controller.enqueue(encoder.encode(json.slice(half)));
        controller.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${server.port}/api/system/config`, {
      method: "PUT",
      headers: { host: "localhost", authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { env: string } }).data.env).toBe("development");
    expect(await server.proc.exited).toBe(0);
    // The change was committed before the database closed.
    expect((await status({ home })).env).toBe("development");
  });

  test("after SIGTERM the port stops accepting new connections", async () => {
    const server = await start(tempDir());
    expect(await server.stop("SIGTERM")).toBe(0);
    await expect(fetch(`http://127.0.0.1:${server.port}/health`)).rejects.toThrow();
  });
});
