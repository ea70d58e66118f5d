import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createAdminApp } from "../../src/http/admin/app.ts";
import { authApp } from "../../src/http/auth/app.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * docs/admin-api.md lists every route the server registers: the admin API
 * (the Hono app the admin host is sent to) and `/auth/*` (the one every host
 * is sent to), built here the way the request handler builds them. A route
 * added without a line in the doc fails, and so does a line for a route that
 * is gone.
 */

const DOC = join(import.meta.dir, "../../docs/admin-api.md");
const METHODS = "GET|HEAD|POST|PUT|PATCH|DELETE";

/** `/api/apps/:name/files/:path{.+}` → `/api/apps/:name/files/:path`: the doc names parameters, not their patterns. */
const normalize = (path: string) => path.replace(/(:[A-Za-z_]+)\{[^}]*\}/g, "$1");

let s: TestServer;
let registered: Set<string>;

beforeAll(async () => {
  s = await startTestServer();
  const admin = createAdminApp(s.ctx, async () => {
    throw new Error("the admin UI is not needed to list routes");
  });
  const auth = authApp(s.ctx);
  registered = new Set(
    [...admin.routes, ...auth.routes]
      // ALL entries are guards (`use`) and the catch-alls that answer 404/405;
      // `/*` is the admin UI's page for any other path.
      .filter((r) => r.method !== "ALL" && r.path !== "/*")
      .map((r) => `${r.method} ${normalize(r.path)}`),
  );
});

afterAll(async () => {
  await s?.stop();
});

/** Every `METHOD /path` the doc writes in backticks (a table row or prose alike). */
async function documented(): Promise<Set<string>> {
  const text = await Bun.file(DOC).text();
  const found = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\`(${METHODS}) (/[^\\s\`?]*)[^\`]*\``, "g"))) {
    found.add(`${m[1]} ${m[2]}`);
  }
  return found;
}

test("the router has the routes this test expects to read (a sanity check of the listing)", () => {
  expect(registered.has("POST /api/deploys")).toBe(true);
  expect(registered.has("GET /auth/login")).toBe(true);
  expect(registered.has("GET /api/apps/:name/files/:path")).toBe(true);
  expect(registered.size).toBeGreaterThan(40);
});

test("every registered route is in docs/admin-api.md", async () => {
  const doc = await documented();
  const missing = [...registered].filter((r) => !doc.has(r)).sort();
  if (missing.length) throw new Error(`docs/admin-api.md does not list:\n  ${missing.join("\n  ")}`);
});

test("every route docs/admin-api.md lists is registered", async () => {
  const doc = await documented();
  const extra = [...doc].filter((r) => !registered.has(r)).sort();
  if (extra.length)
    throw new Error(`docs/admin-api.md lists routes that do not exist:\n  ${extra.join("\n  ")}`);
});
