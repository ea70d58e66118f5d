/**
 * App code as people write it, and the contract's behaviours at the edges
 * (SPEC §8): `fazt.env.KEY`, generic errors in production (the details in the
 * app's log), the thrown message in development, a classic script's last
 * string as a JSON string, and allocation past the heap limit as 500
 * OUT_OF_MEMORY (not a 504 after the time limit).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiJson, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;

const call = async (app: string, path: string) => {
  const res = await s.request(path, { host: `${app}.localhost` });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
};
const codeOf = (r: { json?: Record<string, unknown> | undefined }) =>
  (r.json?.error as { code?: string })?.code;

const logs = async (app: string) => {
  const res = await apiJson(s, "GET", `/api/apps/${app}/logs?limit=100`);
  return ((await res.json()) as { data: Array<{ level: string; message: string; requestId: string | null }> })
    .data;
};

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "envy", {
    "api/main.js": `export default (req) => {
      const p = new URL(req.url).pathname;
      if (p === "/api/env") return {
        dot: fazt.env.GREETING, get: fazt.env.get("GREETING"), missing: fazt.env.NOPE ?? null,
        fallback: fazt.env.get("NOPE", "dflt"), has: "GREETING" in fazt.env, hasNot: "NOPE" in fazt.env,
        keys: Object.keys(fazt.env),
      };
      if (p === "/api/throw") { const secret = fazt.env.GREETING; throw new TypeError("leaked " + secret); }
      return null;
    }`,
  });
  await deployFiles(s, "classic-env", {
    "api/main.js": `respond({ dot: fazt.env.GREETING, get: fazt.env.get("GREETING") })`,
  });
  await apiJson(s, "PUT", "/api/apps/envy/env", { set: { GREETING: "hello-there", OTHER: "x" } });
  await apiJson(s, "PUT", "/api/apps/classic-env/env", { set: { GREETING: "hi-classic" } });
  await deployFiles(s, "last", {
    "api/main.js": `if (request.path === "/api/text") { "hello" }
      else if (request.path === "/api/respond") { respond("as is") }
      else if (request.path === "/api/returned") { var r = respond(201, "kept"); r }
      else if (request.path === "/api/number") { 42 }
      else { ({ ok: true }) }`,
  });
  await deployFiles(s, "hog", {
    "index.html": "<p>hog</p>",
    "api/main.js": `let kept = [];
    export default (req) => {
      const p = new URL(req.url).pathname;
      if (p === "/api/arrays") { const a = []; for (;;) a.push(new Array(100000).fill(1)); }
      if (p === "/api/objects") { const a = []; for (;;) a.push({ n: a.length, s: "x" + a.length }); }
      if (p === "/api/doubling") { let t = "x"; for (;;) t = t + t; }
      if (p === "/api/huge-string") { let t = "x".repeat(1 << 20); const all = []; for (;;) { t = t + "y"; all.push(t.slice(1)); } }
      if (p === "/api/keep") { kept.push(new Array(1000000).fill(1)); return { kept: kept.length }; }
      return { ok: true };
    }`,
  });
});
afterAll(async () => {
  await s.stop();
});

describe("fazt.env", () => {
  test("fazt.env.KEY reads what fazt.env.get(KEY) reads, in both styles", async () => {
    const r = await call("envy", "/api/env");
    expect(r.json).toEqual({
      dot: "hello-there",
      get: "hello-there",
      missing: null,
      fallback: "dflt",
      has: true,
      hasNot: false,
      keys: ["GREETING", "OTHER"],
    });
    expect((await call("classic-env", "/api")).json).toEqual({ dot: "hi-classic", get: "hi-classic" });
  });
});

describe("uncaught exceptions", () => {
  test("production: a generic message with the request id; the thrown message and stack in the app's log", async () => {
    const r = await call("envy", "/api/throw");
    expect(r.status).toBe(500);
    const error = r.json?.error as { code: string; message: string; requestId: string };
    expect(error.code).toBe("HANDLER_ERROR");
    expect(error.requestId).toBe(r.headers.get("x-request-id")!);
    expect(r.text).not.toContain("leaked");
    expect(r.text).not.toContain("hello-there");
    expect(r.text).not.toContain("TypeError");
    const line = (await logs("envy")).find((l) => l.requestId === error.requestId && l.level === "error");
    expect(line?.message).toContain("TypeError: leaked hello-there");
    expect(line?.message).toMatch(/\n\s+at /);
  });

  test("development: the thrown message is shown", async () => {
    expect((await apiJson(s, "PUT", "/api/system/config", { env: "development" })).status).toBe(200);
    try {
      const r = await call("envy", "/api/throw");
      expect(r.status).toBe(500);
      expect((r.json?.error as { message?: string } | undefined)?.message).toContain(
        "TypeError: leaked hello-there",
      );
    } finally {
      await apiJson(s, "PUT", "/api/system/config", { env: "production" });
    }
    expect((await call("envy", "/api/throw")).text).not.toContain("leaked");
  });
});

describe("a classic script's last expression", () => {
  test('a string is a JSON string: "hello" answers "hello" as application/json', async () => {
    const r = await call("last", "/api/text");
    expect(r.status).toBe(200);
    expect(r.text).toBe('"hello"');
    expect(r.headers.get("content-type")).toStartWith("application/json");
  });

  test("what respond() returned is used as it is; other values are JSON", async () => {
    const responded = await call("last", "/api/respond");
    expect(responded.text).toBe("as is");
    expect(responded.headers.get("content-type")).toStartWith("text/plain");
    const returned = await call("last", "/api/returned");
    expect([returned.status, returned.text]).toEqual([201, "kept"]);
    expect((await call("last", "/api/number")).text).toBe("42");
    expect((await call("last", "/api/other")).json).toEqual({ ok: true });
  });
});

describe("the heap limit", () => {
  describe("allocation past it", () => {
    // Filling 64 MiB with small objects took ~4.8 s of the 5 s time limit on a loaded
    // machine, and the clock answered 504 first. The time limit is raised here so only
    // the heap can end these requests; what tells the heap guard (runtime/heap.ts) from
    // QuickJS running into the engine's 2 GiB ceiling is memory, not time: the process
    // may grow by no more than a fraction of that during the request.
    const config = (appTimeoutMs: number) => apiJson(s, "PUT", "/api/system/config", { appTimeoutMs });
    beforeAll(async () => {
      expect((await config(40_000)).status).toBe(200);
    });
    afterAll(async () => {
      expect((await config(5000)).status).toBe(200);
    });

    for (const [what, path] of [
      ["arrays pushed until the heap is full", "/api/arrays"],
      ["small objects pushed until the heap is full", "/api/objects"],
      ["a string doubled without end", "/api/doubling"],
      ["huge strings kept", "/api/huge-string"],
    ] as const) {
      test(`${what}: 500 OUT_OF_MEMORY, then the app answers again`, async () => {
        const before = process.memoryUsage().rss;
        const r = await call("hog", path);
        expect(`${r.status} ${codeOf(r)}`).toBe("500 OUT_OF_MEMORY");
        expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
        expect((await call("hog", "/api/fine")).json).toEqual({ ok: true });
        expect((await call("hog", "/")).text).toBe("<p>hog</p>");
      });
    }
  });

  test("state kept between requests past the limit is reset, and the reset is logged", async () => {
    const counts: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call("hog", "/api/keep");
      expect(r.status).toBe(200);
      counts.push((r.json as { kept: number }).kept);
    }
    // Each request keeps ~8 MB more: the runtime holding past 64 MiB starts over.
    const reset = counts.findIndex((n, i) => i > 0 && n <= counts[i - 1]!);
    expect(reset).toBeGreaterThan(0);
    expect(counts.slice(0, reset)).toEqual(Array.from({ length: reset }, (_, i) => counts[0]! + i));
    expect((await logs("hog")).some((l) => l.level === "warn" && /state was reset/.test(l.message))).toBe(
      true,
    );
  });
});

describe("fazt.auth.requireLogin() weighs Accept like the private/ gate", () => {
  beforeAll(async () => {
    await deployFiles(s, "gated", {
      "api/main.js": "export default () => { fazt.auth.requireLogin(); return 'in' }",
    });
  });
  const ask = (accept: string) =>
    s.request("/api/x", { host: "gated.localhost", headers: { accept }, redirect: "manual" });

  test("HTML preferred by q-value → redirect to sign-in", async () => {
    const res = await ask("application/json;q=0.5, text/html");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("/auth/login?redirect=");
  });
  test("JSON preferred, though text/html is listed → 401", async () => {
    const res = await ask("text/html;q=0.1, application/json");
    expect(res.status).toBe(401);
  });
});

test("FormData has the web platform's iteration and editing methods", async () => {
  await deployFiles(s, "forms", {
    "api/main.js": `export default () => {
      const fd = new FormData();
      fd.append("a", "1"); fd.append("b", "2"); fd.append("a", "3");
      const seen = [];
      fd.forEach((v, k) => seen.push(k + "=" + v));
      fd.set("b", "9"); fd.delete("a");
      return { keys: [...fd.keys()], values: [...fd.values()], seen, entries: [...fd] };
    }`,
  });
  const r = await call("forms", "/api/x");
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ keys: ["b"], values: ["9"], seen: ["a=1", "b=2", "a=3"], entries: [["b", "9"]] });
});
