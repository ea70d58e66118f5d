import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiKey } from "../../src/auth/api-keys.ts";
import { findOwner } from "../../src/auth/owner.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const putConfig = (body: string, headers: Record<string, string> = {}) =>
  s.request("/api/system/config", {
    method: "PUT",
    headers: { "content-type": "application/json", ...auth(s.adminToken), ...headers },
    body,
  });

describe("every response", () => {
  test("carries the security headers and a request id", async () => {
    for (const host of ["localhost", "root.localhost", "nope.localhost", "a.b.localhost"]) {
      const res = await s.request("/", { host });
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("strict-transport-security")).toBeNull(); // plain HTTP
      expect(res.headers.get("x-request-id")).toMatch(/^[a-z0-9]{9,}$/);
    }
  });

  test("a well-formed X-Request-Id is echoed, a hostile one replaced", async () => {
    const kept = await s.request("/health", { headers: { "x-request-id": "trace-abc.123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-abc.123");
    const replaced = await s.request("/health", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[a-z0-9]{9,}$/);
  });

  test("is logged as one structured line", async () => {
    const res = await s.request("/health", { headers: { "x-request-id": "log-check-1" } });
    await res.text();
    const line = s.logs.find((l) => l.requestId === "log-check-1");
    expect(line).toMatchObject({
      msg: "request",
      method: "GET",
      host: "localhost",
      path: "/health",
      status: 200,
    });
    expect(typeof line?.ms).toBe("number");
    expect(line?.bytes).toBeGreaterThan(0);
  });
});

describe("host routing", () => {
  test("/health on the admin hosts", async () => {
    for (const host of ["localhost", "localhost:4698", "127.0.0.1", "[::1]", "admin.localhost"]) {
      const res = await s.request("/health", { host });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok" });
    }
  });

  test("root.localhost is the welcome page", async () => {
    const res = await s.request("/", { host: "root.localhost" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain("Fazt is running");
  });

  test("404.localhost is the 404 app, served with 200", async () => {
    const res = await s.request("/", { host: "404.localhost" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Not found");
  });

  test("unknown names, nested names and odd hosts get the 404 page with 404", async () => {
    for (const host of ["nope.localhost", "a.b.localhost", "example.org", "-x.localhost", "x..localhost"]) {
      const res = await s.request("/some/page", { host });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("Not found");
    }
  });

  test("HEAD gets headers and no body; other methods on an app host get 405", async () => {
    const head = await s.request("/", { host: "root.localhost", method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await s.request("/", { host: "root.localhost", method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await post.json()).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  test("the domain comes from the config and a change applies at once", async () => {
    expect((await s.request("/", { host: "blog.example.test" })).status).toBe(404);
    expect((await putConfig(JSON.stringify({ domain: "example.test" }))).status).toBe(200);
    const apex = await s.request("/", { host: "example.test" });
    expect(apex.status).toBe(200);
    expect(await apex.text()).toContain("Fazt is running");
    expect((await s.request("/health", { host: "admin.example.test" })).status).toBe(200);
    expect((await putConfig(JSON.stringify({ domain: "localhost" }))).status).toBe(200);
    expect((await s.request("/", { host: "example.test" })).status).toBe(404);
  });
});

describe("admin UI", () => {
  // The UI's page is for the owner and admins (signed out: a redirect to sign-in, tests/cli/admin-gate.test.ts).
  const owner = () => ({ cookie: `fazt_session=${createSession(s.store, findOwner(s.store)!.id).token}` });

  test("is served on the admin host with a strict CSP", async () => {
    const res = await s.request("/", { host: "admin.localhost", headers: owner() });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Fazt admin");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  test("client-side routes fall back to index.html, missing assets are 404", async () => {
    expect((await s.request("/apps/blog", { headers: owner() })).status).toBe(200);
    expect((await s.request("/assets/missing.js")).status).toBe(404);
  });

  test("ETag revalidation answers 304", async () => {
    const first = await s.request("/", { headers: owner() });
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await s.request("/", { headers: { ...owner(), "if-none-match": etag! } });
    expect(again.status).toBe(304);
  });
});

describe("admin API authentication", () => {
  test("system routes need a key: 401 without, 401 with a wrong one", async () => {
    const none = await s.request("/api/system/health");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect((await none.json()).error.code).toBe("UNAUTHORIZED");
    const forged = s.adminToken.replace(/.$/, (c) => (c === "a" ? "b" : "a"));
    expect((await s.request("/api/system/health", { headers: auth(forged) })).status).toBe(401);
    expect((await s.request("/api/system/config", { headers: auth("fazt_key_nope_nope") })).status).toBe(401);
  });

  test("a deploy key is refused on admin routes", async () => {
    const { token } = createApiKey(s.store, { name: "ci", scope: "deploy" });
    const res = await s.request("/api/system/config", { headers: auth(token) });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("FORBIDDEN");
  });

  test("unknown API routes are JSON 404s", async () => {
    const res = await s.request("/api/nope", { headers: auth(s.adminToken) });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("NOT_FOUND");
  });
});

describe("GET /api/system/health", () => {
  test("reports version, uptime, memory, database and counts", async () => {
    const res = await s.request("/api/system/health", { headers: auth(s.adminToken) });
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(data.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(data.memory.rss).toBeGreaterThan(0);
    expect(data.database.bytes).toBeGreaterThan(0);
    expect(data.database.schema).toBeGreaterThanOrEqual(1);
    expect(data.counts.users).toBe(1);
    expect(data.counts.keys).toBeGreaterThanOrEqual(1);
    expect(data.counts.apps).toBe(2); // the seeded root and 404 apps
  });
});

describe("GET|PUT /api/system/config", () => {
  test("GET returns the effective config", async () => {
    const res = await s.request("/api/system/config", { headers: auth(s.adminToken) });
    const { data } = await res.json();
    expect(data).toMatchObject({ domain: "localhost", env: "production", https: false });
    expect(data.port).toBe(4698);
  });

  test("PUT validates, names the field, and changes nothing on failure", async () => {
    const before = await (await s.request("/api/system/config", { headers: auth(s.adminToken) })).json();
    const cases: Array<[string, number, string, Record<string, string>?]> = [
      ['{"domain": "bad domain"}', 400, "VALIDATION_FAILED"],
      ['{"port": 70000}', 400, "VALIDATION_FAILED"],
      ['{"domain": "ok.test", "nope": 1}', 400, "VALIDATION_FAILED"],
      ['{"domain": ', 400, "BAD_REQUEST"],
      ["[1,2]", 400, "VALIDATION_FAILED"],
      ['{"domain": "ok.test"}', 415, "UNSUPPORTED_MEDIA_TYPE", { "content-type": "text/plain" }],
      [JSON.stringify({ domain: "x".repeat(2 * 1024 * 1024) }), 413, "PAYLOAD_TOO_LARGE"],
    ];
    for (const [body, status, code, headers] of cases) {
      const res = await putConfig(body, headers);
      expect(res.status).toBe(status);
      const { error } = await res.json();
      expect(error.code).toBe(code);
      expect(typeof error.message).toBe("string");
    }
    const field = await (await putConfig('{"domain": "bad domain"}')).json();
    expect(field.error.message).toContain("domain");
    const after = await (await s.request("/api/system/config", { headers: auth(s.adminToken) })).json();
    expect(after).toEqual(before);
  });

  test("PUT stores the change", async () => {
    const res = await putConfig(JSON.stringify({ email: "ops@example.test", keepVersions: 5 }));
    expect(res.status).toBe(200);
    expect((await res.json()).data).toMatchObject({ email: "ops@example.test", keepVersions: 5 });
    const row = s.store.sqlite.query("SELECT value FROM config WHERE key = 'keepVersions'").get() as {
      value: string;
    };
    expect(JSON.parse(row.value)).toBe(5);
  });
});
