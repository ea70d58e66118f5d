import { afterAll, beforeAll, expect, test } from "bun:test";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * SPEC §4: a visitor sees the whole old site or the whole new one. v1 and v2
 * are deployed alternately while 20 clients fetch in a loop; every answer
 * must be a complete v1 or v2 file — never a 404, a 5xx or a mix.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

// Large enough to be compressed at deploy, so the br/gzip variants are exercised too.
const page = (v: string, name: string) => `<!-- ${v} ${name} -->\n${`<p>${v} ${name}</p>\n`.repeat(400)}`;
const site = (v: string) => ({
  "index.html": page(v, "index"),
  "about.html": page(v, "about"),
  "docs/index.html": page(v, "docs"),
});
// A folder's page lives at its trailing-slash URL (`/docs` is a 301 to it).
const PATHS = ["/", "/about", "/docs/"];

test("20 clients never see a 404, a 5xx or a partial file while v1 and v2 alternate", async () => {
  await deployFiles(s, "swap", site("v1"));
  let deploying = true;
  const seen = { v1: 0, v2: 0 };
  const failures: string[] = [];
  const client = async (n: number) => {
    let i = n;
    while (deploying) {
      const path = PATHS[i++ % PATHS.length]!;
      const res = await s.request(path, {
        host: "swap.localhost",
        headers: i % 2 ? { "accept-encoding": "br, gzip" } : {},
      });
      const text = await res.text();
      const name = path === "/" ? "index" : path.slice(1).replace(/\/$/, "");
      const m = /^<!-- (v[12]) (\w+) -->/.exec(text);
      if (res.status !== 200 || !m || m[2] !== name || text !== page(m[1]!, name)) {
        failures.push(`${path}: ${res.status} ${text.slice(0, 60)}`);
        continue;
      }
      seen[m[1] as "v1" | "v2"]++;
    }
  };
  const clients = Array.from({ length: 20 }, (_, n) => client(n));
  for (let round = 0; round < 20; round++) {
    await deployFiles(s, "swap", site(round % 2 ? "v1" : "v2"));
    await Bun.sleep(5);
  }
  deploying = false;
  await Promise.all(clients);
  expect(failures).toEqual([]);
  expect(seen.v1).toBeGreaterThan(0);
  expect(seen.v2).toBeGreaterThan(0);
});
