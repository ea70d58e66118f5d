import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { availableParallelism } from "node:os";
import { createSession } from "../../src/auth/sessions.ts";
import { templateFiles } from "../../src/cli/commands/app/templates.ts";
import { newId } from "../../src/core/ids.ts";
import { apiJson, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** App code (SPEC §8): both styles, the web globals, fazt.*, limits and hostile code, over real HTTP. */

// Two tests wait for the 5 s time limit on purpose.
setDefaultTimeout(60_000);

let s: TestServer;
const cookies: Record<string, string> = {};

function signedIn(name: string, role: "user" | "admin" = "user"): string {
  if (!cookies[name]) {
    const id = newId("usr");
    s.store.engine.run(
      "INSERT INTO users (id, username, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [id, name, `${name}@example.com`, name, role, Date.now(), Date.now()],
    );
    cookies[name] = `fazt_session=${createSession(s.store, id).token}`;
  }
  return cookies[name];
}

const call = async (app: string, path: string, init: RequestInit = {}) => {
  const res = await s.request(path, { ...init, host: `${app}.localhost` });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json: json as Record<string, unknown>, headers: res.headers };
};

const MODULE = `
import { double } from "./lib/math.js";
let hits = 0;
export default {
  async fetch(req, ctx) {
    const url = new URL(req.url);
    hits++;
    switch (url.pathname) {
      case "/api/ctx": return { app: ctx.app.name, user: ctx.user ? ctx.user.name : null, requestId: ctx.requestId, env: ctx.env.GREETING ?? null, hits };
      case "/api/import": return { four: double(2) };
      case "/api/text": return "plain";
      case "/api/null": return null;
      case "/api/response": return new Response("<b>hi</b>", { status: 202, headers: { "content-type": "text/html", "x-app": "yes" } });
      case "/api/json": return Response.json({ q: url.searchParams.get("q") }, { status: 201 });
      case "/api/post": { const body = await req.json(); return { got: body, method: req.method, type: req.headers.get("content-type") }; }
      case "/api/headers": return { cookie: req.headers.get("cookie"), custom: req.headers.get("x-custom") };
      case "/api/upload": { const fd = await req.formData(); const f = fd.get("file"); return { title: fd.get("title"), name: f.name, size: f.size }; }
      case "/api/globals": return {
        uuid: crypto.randomUUID().length,
        rand: crypto.getRandomValues(new Uint8Array(4)).length,
        b64: btoa("hi"), unb64: atob("aGk="),
        enc: new TextDecoder().decode(new TextEncoder().encode("héllo ✓")),
        clone: structuredClone({ a: [1, 2] }),
        headers: new Headers({ "X-A": "1" }).get("x-a"),
        params: new URLSearchParams("a=1&b=2").get("b"),
      };
      case "/api/timer": { await new Promise((r) => setTimeout(r, 20)); return { waited: true }; }
      case "/api/leaks": return {
        process: typeof process, bun: typeof Bun, require: typeof require, host: typeof __host,
        fetch: typeof fetch, globalKeys: Object.keys(globalThis).filter((k) => !k.startsWith("__")).sort(),
      };
      case "/api/storage": {
        fazt.app.kv.set("k", { v: 1 });
        const id = fazt.app.ds.insert("notes", { text: "hi", tags: ["a"] });
        fazt.app.s3.put("files/a.txt", "hello", "text/plain");
        const blob = fazt.app.s3.get("files/a.txt");
        return { kv: fazt.app.kv.get("k"), doc: fazt.app.ds.findOne("notes", id).text, found: fazt.app.ds.find("notes", { tags: { $contains: "a" } }).length, blob: new TextDecoder().decode(blob.data), size: blob.size };
      }
      case "/api/mine": {
        const n = (fazt.app.user.kv.get("n") || 0) + 1;
        fazt.app.user.kv.set("n", n);
        return { n, me: fazt.auth.getUser().name };
      }
      case "/api/private": return { seed: fazt.private.readJSON("seed.json"), exists: fazt.private.exists("seed.json"), list: fazt.private.list() };
      case "/api/private-escape": return { x: fazt.private.read("../api/main.js") };
      case "/api/admin-only": fazt.auth.requireAdmin(); return { ok: true };
      case "/api/log": console.log("hello from", ctx.app.name); console.error(new Error("logged error")); return { logged: true };
      case "/api/throw-string": throw "a string";
      case "/api/throw": throw new TypeError("bad thing");
      case "/api/spin": while (true) {}
      case "/api/async-spin": { for (;;) { await null; } }
      case "/api/alloc": { const a = []; for (;;) a.push(new Array(100000).fill(1)); }
      case "/api/recurse": { const f = (n) => f(n + 1) + 1; return f(0); }
      case "/api/never": await new Promise(() => {}); return 1;
    }
    return new Response("not found", { status: 404 });
  },
};`;

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "mod", {
    "index.html": "<h1>mod</h1>",
    "api/main.js": MODULE,
    "api/lib/math.js": "export const double = (n) => n * 2;",
    "private/seed.json": JSON.stringify({ seeded: true }),
  });
  await deployFiles(s, "other", {
    "index.html": "<h1>other</h1>",
    "api/main.js": `respond({ kv: fazt.app.kv.get("k") ?? null, docs: fazt.app.ds.count("notes"), blob: fazt.app.s3.get("files/a.txt"), env: fazt.env.get("GREETING", "none") })`,
  });
});
afterAll(async () => {
  await s.stop();
});

describe("module style", () => {
  test("ctx, relative imports, module state kept within a version", async () => {
    await apiJson(s, "PUT", "/api/apps/mod/env", { set: { GREETING: "hey" } });
    const a = await call("mod", "/api/ctx", { headers: { cookie: signedIn("alice") } });
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ app: "mod", user: "alice", env: "hey" });
    expect(a.json.requestId).toBe(a.headers.get("x-request-id"));
    const b = await call("mod", "/api/ctx");
    expect(b.json.user).toBeNull();
    expect(Number(b.json.hits)).toBeGreaterThan(Number(a.json.hits));
    expect((await call("mod", "/api/import")).json).toEqual({ four: 4 });
  });

  test("return values: string, null, JSON, Response, Response.json", async () => {
    const text = await call("mod", "/api/text");
    expect([text.status, text.text, text.headers.get("content-type")]).toEqual([
      200,
      "plain",
      "text/plain; charset=utf-8",
    ]);
    expect((await call("mod", "/api/null")).status).toBe(204);
    const r = await call("mod", "/api/response");
    expect([r.status, r.text, r.headers.get("x-app"), r.headers.get("x-content-type-options")]).toEqual([
      202,
      "<b>hi</b>",
      "yes",
      "nosniff",
    ]);
    const j = await call("mod", "/api/json?q=z");
    expect([j.status, j.json]).toEqual([201, { q: "z" }]);
  });

  test("request bodies, lower-case headers, and no session cookie for app code", async () => {
    const post = await call("mod", "/api/post", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: [1, "é"] }),
    });
    expect(post.json).toEqual({ got: { a: [1, "é"] }, method: "POST", type: "application/json" });
    const h = await call("mod", "/api/headers", {
      headers: { cookie: `x=1; ${signedIn("alice")}; y=2`, "X-Custom": "v" },
    });
    expect(h.json).toEqual({ cookie: "x=1; y=2", custom: "v" });
  });

  test("multipart uploads reach formData()", async () => {
    const form = new FormData();
    form.set("title", "photo");
    form.set("file", new Blob([new Uint8Array(3000)], { type: "image/png" }), "p.png");
    const up = await call("mod", "/api/upload", { method: "POST", body: form });
    expect(up.json).toEqual({ title: "photo", name: "p.png", size: 3000 });
  });

  test("web globals inside the sandbox", async () => {
    const g = await call("mod", "/api/globals");
    expect(g.json).toEqual({
      uuid: 36,
      rand: 4,
      b64: "aGk=",
      unb64: "hi",
      enc: "héllo ✓",
      clone: { a: [1, 2] },
      headers: "1",
      params: "2",
    });
    expect((await call("mod", "/api/timer")).json).toEqual({ waited: true });
  });

  test("no host object leaks into the sandbox", async () => {
    const l = await call("mod", "/api/leaks");
    expect(l.json).toMatchObject({
      process: "undefined",
      bun: "undefined",
      host: "undefined",
      fetch: "undefined",
    });
    expect(l.json.globalKeys).not.toContain("process");
  });
});

describe("fazt.*", () => {
  test("storage works, and another app sees none of it", async () => {
    const st = await call("mod", "/api/storage");
    expect(st.json).toEqual({ kv: { v: 1 }, doc: "hi", found: 1, blob: "hello", size: 5 });
    const other = await call("other", "/api/x");
    expect(other.json).toEqual({ kv: null, docs: 0, blob: null, env: "none" });
  });

  test("user storage: 401 for anonymous, and users never see each other's data", async () => {
    expect((await call("mod", "/api/mine")).status).toBe(401);
    const alice = signedIn("alice");
    const bob = signedIn("bob");
    expect((await call("mod", "/api/mine", { headers: { cookie: alice } })).json).toEqual({
      n: 1,
      me: "alice",
    });
    expect((await call("mod", "/api/mine", { headers: { cookie: alice } })).json).toEqual({
      n: 2,
      me: "alice",
    });
    expect((await call("mod", "/api/mine", { headers: { cookie: bob } })).json).toEqual({ n: 1, me: "bob" });
  });

  test("private files are readable by the app, traversal is refused", async () => {
    const p = await call("mod", "/api/private");
    expect(p.json).toEqual({ seed: { seeded: true }, exists: true, list: ["seed.json"] });
    const escaped = await call("mod", "/api/private-escape");
    expect(escaped.status).toBe(400);
    expect(escaped.text).not.toContain("export default");
  });

  test("auth roles: requireAdmin is 403 for a user, fine for an admin", async () => {
    expect((await call("mod", "/api/admin-only", { headers: { cookie: signedIn("alice") } })).status).toBe(
      403,
    );
    expect(
      (await call("mod", "/api/admin-only", { headers: { cookie: signedIn("carol", "admin") } })).status,
    ).toBe(200);
    expect((await call("mod", "/api/admin-only")).status).toBe(401);
  });

  test("console.* goes to the app's log with the request id", async () => {
    const r = await call("mod", "/api/log");
    const requestId = r.headers.get("x-request-id");
    const lines = s.store.engine.all<{ level: string; message: string; request_id: string }>(
      "SELECT level, message, request_id FROM app_logs ORDER BY id DESC LIMIT 2",
    );
    expect(lines.map((l) => l.level).sort()).toEqual(["error", "info"]);
    expect(lines.every((l) => l.request_id === requestId)).toBe(true);
    expect(lines.find((l) => l.level === "info")?.message).toBe("hello from mod");
  });
});

describe("hostile code: each ends in a clear error, the server keeps serving, the next request works", () => {
  const expectError = async (path: string, status: number, code: string) => {
    const r = await call("mod", path);
    expect(`${path} → ${r.status} ${r.text}`).toStartWith(`${path} → ${status}`);
    expect((r.json.error as { code: string }).code).toBe(code);
    expect((await call("mod", "/api/import")).json).toEqual({ four: 4 });
    return r;
  };

  test("thrown errors and non-Errors: 500 HANDLER_ERROR, no stack to the client", async () => {
    const r = await expectError("/api/throw", 500, "HANDLER_ERROR");
    expect(r.text).not.toContain("at ");
    await expectError("/api/throw-string", 500, "HANDLER_ERROR");
    await expectError("/api/never", 500, "HANDLER_ERROR");
  });

  test("deep recursion and unbounded allocation are stopped", async () => {
    const rec = await call("mod", "/api/recurse");
    expect(rec.status).toBe(500);
    // Near its 64 MiB limit QuickJS collects garbage between allocations and may pass its
    // deadline before it reports running out of memory: either clear error is right.
    const alloc = await call("mod", "/api/alloc");
    expect([`500 OUT_OF_MEMORY`, `504 TIMEOUT`]).toContain(
      `${alloc.status} ${(alloc.json.error as { code: string }).code}`,
    );
    expect((await call("mod", "/api/import")).json).toEqual({ four: 4 });
  });

  test("an endless loop is cut at 5 s (504) while static files and other apps keep being served", async () => {
    const spinning = call("mod", "/api/spin");
    await Bun.sleep(200);
    const other = await call("other", "/index.html");
    expect(other.status).toBe(200);
    const stat = await call("mod", "/");
    expect(stat.text).toBe("<h1>mod</h1>");
    const r = await spinning;
    expect(r.status).toBe(504);
    expect((r.json.error as { code: string }).code).toBe("TIMEOUT");
    expect((await call("mod", "/api/import")).json).toEqual({ four: 4 });
  });

  test("an endless async loop is cut too", async () => {
    await expectError("/api/async-spin", 504, "TIMEOUT");
  });
});

describe("the api template (app create --template api)", () => {
  test("deploys as written and its CRUD API works", async () => {
    await deployFiles(s, "tmpl", templateFiles("tmpl", "api"));
    const json = { "content-type": "application/json" };
    expect((await call("tmpl", "/api/items")).json as unknown).toEqual([]);
    const made = await call("tmpl", "/api/items", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ text: " milk " }),
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ text: "milk" });
    expect((await call("tmpl", "/api/items", { method: "POST", headers: json, body: "{}" })).status).toBe(
      400,
    );
    const list = (await call("tmpl", "/api/items")).json as unknown as Array<{ id: string }>;
    expect(list).toHaveLength(1);
    expect((await call("tmpl", `/api/items/${list[0]!.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call("tmpl", `/api/items/${list[0]!.id}`)).status).toBe(404);
    expect((await call("tmpl", "/")).text).toContain("<h1>tmpl</h1>");
  });
});

describe("limits are configurable per instance", () => {
  test("a shorter appTimeoutMs applies to the next request", async () => {
    const put = await apiJson(s, "PUT", "/api/system/config", { appTimeoutMs: 300 });
    expect(put.status).toBe(200);
    try {
      const r = await call("mod", "/api/spin");
      expect(r.status).toBe(504);
      expect((r.json.error as { message: string }).message).toContain("300 ms");
    } finally {
      await apiJson(s, "PUT", "/api/system/config", { appTimeoutMs: 5000 });
    }
    expect((await call("mod", "/api/import")).json).toEqual({ four: 4 });
  });
});

describe("concurrent writers", () => {
  test("app code in every runtime worker and deploys on the server thread write at once and never hit 'database is locked'", async () => {
    // Each request writes 20 documents and bumps one counter every request shares.
    const app = `export default async (req) => {
      if (req.method === "POST") {
        const { n } = await req.json();
        for (let j = 0; j < 20; j++) fazt.app.ds.insert("rows", { n, j });
        fazt.app.kv.set("last", n);
        if (!fazt.app.ds.update("counters", "c", { $inc: { n: 1 } })) fazt.app.ds.insert("counters", { id: "c", n: 1 });
        return Response.json({ n }, { status: 201 });
      }
      return { rows: fazt.app.ds.count("rows"), counter: fazt.app.ds.findOne("counters", "c")?.n ?? 0 };
    }`;
    // Apps are pinned to runtime workers by id: take enough apps to occupy every worker
    // (the pool's own spread: a 31-hash of the id over min(4, cores) workers).
    const workers = Math.max(1, Math.min(4, availableParallelism()));
    const slotOf = (id: string) => {
      let h = 0;
      for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
      return Math.abs(h) % workers;
    };
    const apps: string[] = [];
    const slots = new Set<number>();
    for (let i = 0; apps.length < 4 || slots.size < workers; i++) {
      const name = `writer-${i}`;
      await deployFiles(s, name, { "index.html": name, "api/main.js": app });
      const row = s.store.engine.get<{ id: string }>("SELECT id FROM apps WHERE name = ?", [name]);
      apps.push(name);
      slots.add(slotOf(row!.id));
    }
    const REQUESTS = 30 * apps.length;
    const posts = Array.from({ length: REQUESTS }, (_, i) =>
      call(apps[i % apps.length]!, "/api/rows", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n: i }),
      }),
    );
    // The serving thread writes too (deploys, each one IMMEDIATE transaction) while the workers insert.
    const deploys = (async () => {
      for (let i = 0; i < 6; i++) await deployFiles(s, "busy", { "index.html": `deploy ${i}` });
    })();
    const results = await Promise.all(posts);
    await deploys;
    expect(results.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`)).toEqual([]);
    for (const name of apps) {
      expect((await call(name, "/api/rows")).json).toEqual({ rows: 20 * 30, counter: 30 });
    }
  });
});
