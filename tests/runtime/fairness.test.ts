import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { defaultPoolSize } from "../../src/runtime/index.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * Fairness between apps, over real HTTP: app A keeps more spinning requests
 * in flight than there are runtime workers; app B, static files, and then A
 * itself are still answered — B before any of A's spinners ends.
 *
 * B is picked among a few candidates to be the app that shared A's worker
 * when apps were pinned to a worker by a hash of their id (the case where B
 * once waited 31 s): that pinning must not come back.
 */

setDefaultTimeout(120_000);

/** Each spinner is cut at this limit (shorter than the 5 s default: the test runs several rounds). */
const TIMEOUT_MS = 2000;

const SPINNER = `export default (req) => {
  if (new URL(req.url).pathname === "/api/spin") while (true) {}
  return { ok: true };
};`;
const QUICK = `export default (req, ctx) => ({ app: ctx.app.name });`;

let s: TestServer;

const appId = (name: string) =>
  s.store.engine.get<{ id: string }>("SELECT id FROM apps WHERE name = ?", [name])!.id;

/** The worker an app was pinned to before: a 31-hash of its id over min(4, cores) workers. */
function oldSlot(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % defaultPoolSize().base;
}

beforeAll(async () => {
  s = await startTestServer({ config: { appTimeoutMs: TIMEOUT_MS } });
});
afterAll(async () => {
  await s.stop();
});

test("app B answers while app A has more spinning requests in flight than there are workers; A's all end in 504 and the pool recovers", async () => {
  await deployFiles(s, "spinner", { "index.html": "<h1>A</h1>", "api/main.js": SPINNER });
  let quick = "";
  for (let i = 0; i < 8 && !quick; i++) {
    const name = `quick-${i}`;
    await deployFiles(s, name, { "index.html": `<h1>${name}</h1>`, "api/main.js": QUICK });
    if (oldSlot(appId(name)) === oldSlot(appId("spinner"))) quick = name;
  }
  expect(quick).not.toBe("");

  const { max, perApp } = defaultPoolSize();
  const spinners = max + 2;
  // The engine is compiled by the first worker and shared with the later ones: make it exist.
  expect((await s.request("/api/ok", { host: "spinner.localhost" })).status).toBe(200);
  const events: string[] = [];
  const started = performance.now();
  const a = Array.from({ length: spinners }, (_, n) =>
    s.request("/api/spin", { host: "spinner.localhost" }).then(async (res) => {
      events.push(`A${n}`);
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    }),
  );
  // Let A's requests reach the workers (or their queue) before B asks.
  await Bun.sleep(300);

  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = await s.request("/api/hello", { host: `${quick}.localhost` });
    latencies.push(performance.now() - t0);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ app: quick });
    events.push(`B${i}`);
  }
  // Static files of both apps are answered meanwhile.
  const staticA = await s.request("/", { host: "spinner.localhost" });
  expect(await staticA.text()).toBe("<h1>A</h1>");
  const staticB = await s.request("/", { host: `${quick}.localhost` });
  expect(await staticB.text()).toBe(`<h1>${quick}</h1>`);
  events.push("static");

  console.log(
    `app B answered in ${latencies.map((ms) => `${ms.toFixed(1)} ms`).join(", ")} (the first starts its runtime) ` +
      `while ${spinners} requests of app A spun (A on up to ${perApp} of ${max} workers, ${TIMEOUT_MS} ms limit)`,
  );

  const results = await Promise.all(a);
  // Everything of B and the static files came before any of A's spinners ended.
  expect(events.slice(0, 4)).toEqual(["B0", "B1", "B2", "static"]);
  expect(results.map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(
    Array.from({ length: spinners }, () => "504 TIMEOUT"),
  );
  console.log(`app A's ${spinners} spinners all ended after ${(performance.now() - started).toFixed(0)} ms`);

  // The pool recovers: A's own code answers again, and so does B.
  const ok = await s.request("/api/ok", { host: "spinner.localhost" });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ ok: true });
  const again = await s.request("/api/hello", { host: `${quick}.localhost` });
  expect(await again.json()).toEqual({ app: quick });
});
