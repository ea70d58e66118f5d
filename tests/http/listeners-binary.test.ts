import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { openDatabase, writeConfig } from "../../src/db/index.ts";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import type { TestServer } from "../helpers/server.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

/**
 * End to end on the compiled binary: the listener thread is embedded (its
 * own entry point in build.ts), starts once the server gets busy, answers
 * static files (large ones from the disk cache), follows a deploy at once,
 * logs its lines through the main thread, and stops with the server.
 */

setDefaultTimeout(120_000);

let server: ServerProcess;
let api: TestServer;

beforeAll(async () => {
  const binary = ensureBinary("linux-x64");
  const home = tempDir();
  expect((await fazt(["server", "init", "--password", "correct-horse-battery"], { home, binary })).code).toBe(
    0,
  );
  const store = await openDatabase(join(home, ".fazt", "data.db"));
  writeConfig(store, { listeners: 2 });
  store.close();
  const key = await fazt(["server", "create-key", "--name", "t", "--scope", "admin", "--format", "json"], {
    home,
    binary,
  });
  const token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
  server = await startServerProcess([], { home, binary, port: freePort() });
  const url = `http://127.0.0.1:${server.port}`;
  // Just what the deploy helpers use of a test server.
  api = {
    url,
    port: server.port,
    adminToken: token,
    request(path, init = {}) {
      const { host, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set("host", host ?? "localhost");
      return fetch(`${url}${path}`, { ...rest, headers, redirect: "manual" });
    },
  } as TestServer;
}, 300_000);

afterAll(async () => {
  await server?.stop("SIGKILL");
  cleanupTemp();
});

const fresh = (path: string) =>
  fetch(`http://127.0.0.1:${server.port}${path}`, {
    headers: { host: "site.localhost", connection: "close" },
  });

test("the binary's listener thread serves, follows a deploy at once, logs and stops", async () => {
  const big = new Uint8Array(200_000).map((_, i) => i % 256);
  await deployFiles(api, "site", { "index.html": "one", "big.bin": big });
  // Busy enough to start the listener (server.ts: 200 requests within half a second).
  for (let round = 0; round < 40 && !server.output().includes('"msg":"listeners started"'); round++) {
    await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`http://127.0.0.1:${server.port}/`, { headers: { host: "site.localhost" } }).then((r) =>
          r.text(),
        ),
      ),
    );
  }
  // The check runs every half second and the thread then starts: a fast burst can end before either.
  for (let i = 0; i < 100 && !server.output().includes('"msg":"listeners started"'); i++)
    await Bun.sleep(100);
  expect(server.output()).toContain('"msg":"listeners started","listeners":2');

  const bodies = await Promise.all(
    Array.from({ length: 40 }, () => fresh("/big.bin").then((r) => r.arrayBuffer())),
  );
  for (const b of bodies) expect(new Uint8Array(b)).toEqual(big);

  await deployFiles(api, "site", { "index.html": "two", "big.bin": big });
  const pages = await Promise.all(Array.from({ length: 60 }, () => fresh("/").then((r) => r.text())));
  expect(new Set(pages)).toEqual(new Set(["two"]));
  await dataOf(await apiJson(api, "GET", "/api/apps/site"), 200);

  await Bun.sleep(200);
  const lines = server
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { msg: string; listener?: number; path?: string });
  expect(lines.some((l) => l.msg === "request" && l.listener === 1)).toBe(true);
  expect(await server.stop()).toBe(0);
  expect(server.output()).toContain('"msg":"stopped"');
});
