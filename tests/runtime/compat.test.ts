import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { createSession } from "../../src/auth/sessions.ts";
import { newId } from "../../src/core/ids.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * SPEC §8 / issue 6: the original Fazt's apps in ../shared/compat run
 * unchanged. Each is deployed as it is and its cases.json is played in order.
 */

const COMPAT = join(import.meta.dir, "..", "..", "..", "shared", "compat");

interface Case {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  as?: string;
  expect: {
    status: number;
    json?: unknown;
    jsonLength?: Record<string, number>;
    save?: Record<string, string>;
  };
}

function filesOf(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== "cases.json") out[relative(dir, p)] = new Uint8Array(readFileSync(p));
    }
  };
  walk(dir);
  if (!out["index.html"]) out["index.html"] = new TextEncoder().encode("<h1>app</h1>");
  return out;
}

/** `json` must contain `expected` (objects: a subset; arrays and scalars: equal). */
function expectSubset(actual: unknown, expected: unknown, where: string): void {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    expect(typeof actual, where).toBe("object");
    for (const [k, v] of Object.entries(expected))
      expectSubset((actual as Record<string, unknown>)?.[k], v, `${where}.${k}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

const at = (value: unknown, path: string): unknown =>
  path === ""
    ? value
    : path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

let s: TestServer;
const sessions = new Map<string, string>();

function cookieFor(who: string): string {
  const name = who.slice("user:".length);
  let cookie = sessions.get(name);
  if (!cookie) {
    const id = newId("usr");
    s.store.engine.run(
      "INSERT INTO users (id, username, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, 'user', ?, ?)",
      [id, name, `${name}@example.com`, name, Date.now(), Date.now()],
    );
    cookie = `fazt_session=${createSession(s.store, id).token}`;
    sessions.set(name, cookie);
  }
  return cookie;
}

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

const apps = existsSync(COMPAT)
  ? readdirSync(COMPAT).filter((d) => existsSync(join(COMPAT, d, "cases.json")))
  : [];

test("the compat corpus is there", () => {
  expect(apps.length).toBeGreaterThanOrEqual(6);
});

for (const app of apps) {
  describe(`compat: ${app}`, () => {
    test("every case passes, the app unchanged", async () => {
      await deployFiles(s, app, filesOf(join(COMPAT, app)));
      const cases = JSON.parse(readFileSync(join(COMPAT, app, "cases.json"), "utf8")) as Case[];
      const vars: Record<string, string> = {};
      const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, v: string) => vars[v] ?? "");
      for (const [i, c] of cases.entries()) {
        if (c.method === "WAIT") {
          await Bun.sleep(Number(c.path));
          continue;
        }
        const query = c.query ? `?${new URLSearchParams(c.query)}` : "";
        const headers: Record<string, string> = {};
        if (c.as?.startsWith("user:")) headers.cookie = cookieFor(c.as);
        let body: string | undefined;
        if (c.body !== undefined) {
          headers["content-type"] = "application/json";
          body = fill(JSON.stringify(c.body));
        }
        const res = await s.request(fill(c.path) + query, {
          method: c.method,
          host: `${app}.localhost`,
          headers,
          body,
        });
        const text = await res.text();
        const where = `${app} case ${i + 1}: ${c.method} ${c.path} → ${res.status} ${text.slice(0, 200)}`;
        expect(res.status, where).toBe(c.expect.status);
        let json: unknown;
        if (c.expect.json !== undefined || c.expect.jsonLength || c.expect.save) json = JSON.parse(text);
        if (c.expect.json !== undefined) expectSubset(json, c.expect.json, where);
        for (const [path, n] of Object.entries(c.expect.jsonLength ?? {})) {
          expect(
            (at(json, path) as unknown[] | undefined)?.length,
            `${where} length of ${path || "body"}`,
          ).toBe(n);
        }
        for (const [v, path] of Object.entries(c.expect.save ?? {}))
          vars[v] = String(at(json, path.replace(/^json\.?/, "")));
      }
    });
  });
}
