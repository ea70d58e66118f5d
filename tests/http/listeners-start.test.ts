import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

/**
 * When the listener threads start (src/http/server.ts, `startWhenBusy`):
 * not while the server is idle or busy with app code only (a listener would
 * only hand those requests on), but once it is busy answering files.
 */

setDefaultTimeout(60_000);

let s: TestServer | undefined;
afterAll(async () => {
  await s?.stop();
  cleanupTemp();
});

const started = () => s!.logs.some((l) => l.msg === "listeners started");

/** `rounds` bursts of `n` requests at once, one burst after the other. */
async function bursts(path: string, rounds: number, n = 100): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const statuses = await Promise.all(
      Array.from({ length: n }, () => s!.request(path, { host: "busy.localhost" }).then((res) => res.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  }
}

test("app code alone does not start listener threads; static files do", async () => {
  s = await startTestServer({ config: { listeners: 2 } });
  await deployFiles(s, "busy", {
    "index.html": "page",
    "api/main.js": "export default () => new Response('api')",
  });
  // Busy with app code for over a second: more than 200 requests per half second would start them.
  const until = Date.now() + 1500;
  while (Date.now() < until) await bursts("/api/hello", 1);
  await Bun.sleep(600);
  expect(started()).toBe(false);
  for (let i = 0; i < 40 && !started(); i++) await bursts("/", 1, 200);
  expect(started()).toBe(true);
});
