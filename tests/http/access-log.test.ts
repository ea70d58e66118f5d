import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

/**
 * The request log and its switch (`server set-config --access-log
 * all|errors|off`, config key `accessLog`), counted on the stdout of a
 * `fazt server start` process: the CLI's change reaches the running server
 * through the database (within a second), the API's at once.
 */

setDefaultTimeout(60_000);

const PASSWORD = "correct-horse-battery";
let home: string;
let server: ServerProcess;
let token: string;

interface Line {
  msg: string;
  path?: string;
  status?: number;
  method?: string;
}

/** Request-log lines printed since `from` (an offset into the output). */
function requestLines(from: number): Line[] {
  return server
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.msg === "request");
}

const get = (path: string, host = "localhost") =>
  fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { host } }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

/** A 404 on an app host that does not exist: a line in modes `all` and `errors`. */
const missing = (marker: string) => get(`/${marker}`, "nothing-here.localhost");

/** Waits until the line of `marker`'s request is printed (lines are flushed every 50 ms). */
async function printed(marker: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (server.output().includes(`"path":"/${marker}"`)) return;
    await Bun.sleep(25);
  }
  throw new Error(`the line of /${marker} was never printed:\n${server.output().slice(-2000)}`);
}

const putConfig = (patch: unknown) =>
  fetch(`http://127.0.0.1:${server.port}/api/system/config`, {
    method: "PUT",
    headers: { host: "localhost", authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(patch),
  });

beforeAll(async () => {
  home = tempDir();
  const init = await fazt(["server", "init", "--password", PASSWORD], { home });
  expect(init.code).toBe(0);
  const key = await fazt(["server", "create-key", "--name", "t", "--scope", "admin", "--format", "json"], {
    home,
  });
  token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
  server = await startServerProcess([], { home, port: freePort() });
});
afterAll(async () => {
  await server?.stop();
  cleanupTemp();
});

test("by default every request is logged", async () => {
  // The lines of the start-up's own /health probes come first.
  await missing("m-start");
  await printed("m-start");
  const from = server.output().length;
  expect(await get("/health")).toBe(200);
  expect(await get("/health")).toBe(200);
  expect(await missing("m-all")).toBe(404);
  await printed("m-all");
  const lines = requestLines(from);
  expect(lines.map((l) => `${l.status} ${l.path}`)).toEqual(["200 /health", "200 /health", "404 /m-all"]);
});

test("--access-log errors from the CLI, on the database of the running server: only answers of 400 and above", async () => {
  const r = await fazt(["server", "set-config", "--access-log", "errors"], { home });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  // The server follows the database once a second: until then /health is still logged.
  let applied = false;
  for (let i = 0; i < 40 && !applied; i++) {
    const from = server.output().length;
    await get("/health");
    await missing(`m-wait-${i}`);
    await printed(`m-wait-${i}`);
    applied = !requestLines(from).some((l) => l.path === "/health");
    if (!applied) await Bun.sleep(100);
  }
  expect(applied).toBe(true);
  const from = server.output().length;
  expect(await get("/health")).toBe(200);
  expect(await missing("m-errors")).toBe(404);
  await printed("m-errors");
  expect(requestLines(from).map((l) => `${l.status} ${l.path}`)).toEqual(["404 /m-errors"]);
});

test("off through the API applies at once; all brings the lines back", async () => {
  const from = server.output().length;
  expect((await putConfig({ accessLog: "off" })).status).toBe(200);
  expect(await get("/health")).toBe(200);
  expect(await missing("m-off")).toBe(404);
  expect((await putConfig({ accessLog: "all" })).status).toBe(200);
  expect(await missing("m-back")).toBe(404);
  await printed("m-back");
  // Nothing between "off" and "all": the PUT that turned it on again is the first line.
  expect(requestLines(from).map((l) => `${l.method} ${l.status} ${l.path}`)).toEqual([
    "PUT 200 /api/system/config",
    "GET 404 /m-back",
  ]);
});

test("a value other than all, errors or off is refused and changes nothing", async () => {
  const cli = await fazt(["server", "set-config", "--access-log", "loud"], { home });
  expect(cli.code).not.toBe(0);
  expect(cli.stdout).toBe("");
  expect(cli.stderr).toMatch(/^fazt: [^\n]*--access-log: must be all, errors or off\n$/);
  const api = await putConfig({ accessLog: "loud" });
  expect(api.status).toBe(400);
  expect(((await api.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
  const shown = await fetch(`http://127.0.0.1:${server.port}/api/system/config`, {
    headers: { host: "localhost", authorization: `Bearer ${token}` },
  });
  expect(((await shown.json()) as { data: { accessLog: string } }).data.accessLog).toBe("all");
});
