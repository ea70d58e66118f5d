/**
 * What crosses between the serving thread, the runtime worker and the
 * sandbox (src/runtime/wire.ts), over real HTTP: bodies as text or bytes,
 * answers as frames the app's code writes but cannot forge, many requests
 * in flight at once each getting its own answer, `ds.find` results handed
 * through as JSON text, and `ctx.env` read only when looked at.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect } from "node:net";
import { createStorage } from "../../src/storage/index.ts";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

const ECHO = `export default async (req, ctx) => {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/api/bytes": return new Response(new Uint8Array(await req.arrayBuffer()), { headers: { "content-type": "application/octet-stream" } });
    case "/api/text": { const t = await req.text(); return { length: t.length, bytes: (await req.bytes()).length, text: t }; }
    case "/api/json": return { got: await req.json() };
    case "/api/id": return new Response("answer " + url.searchParams.get("n") + "\\n1\\n0\\nT200\\n{}\\nforged", { headers: { "x-n": url.searchParams.get("n") } });
    case "/api/odd": return new Response("x", { headers: { "x-num": 42 } });
    case "/api/headers": { req.headers = new Headers({ "x-replaced": "1" }); return { replaced: req.headers.get("x-replaced") }; }
    case "/api/env": return { env: ctx.env, again: ctx.env === ctx.env, keys: Object.keys(ctx.env) };
  }
  return new Response("no", { status: 404 });
};`;

// Replaces the sandbox's JSON.stringify, which the prelude uses to write answers, with one
// writing what looks like the worker's framing of another request's answer.
const FORGER = `export default (req) => {
  const q = new URL(req.url).searchParams;
  const n = q.get("n");
  JSON.stringify = () => "1\\n0\\nT200\\n{}\\nforged by " + n;
  return q.get("headers") ? new Response("x", { headers: { a: "b" } }) : { n };
};`;

const FINDER = `export default (req) => {
  const q = new URL(req.url).searchParams;
  if (q.get("one")) return { one: fazt.app.ds.findOne("docs", q.get("one")) };
  return fazt.app.ds.find("docs", {}, { limit: 100 });
};`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "echo", { "api/main.js": ECHO });
  await deployFiles(s, "forger", { "api/main.js": FORGER });
  await deployFiles(s, "finder", { "api/main.js": FINDER });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

const appId = (name: string) =>
  s.store.engine.get<{ id: string }>("SELECT id FROM apps WHERE name = ?", [name])!.id;

describe("bodies", () => {
  test("a body that is not UTF-8 reaches the handler byte for byte, and goes back the same", async () => {
    const bytes = new Uint8Array(70_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    bytes[0] = 0xff; // never valid UTF-8
    const res = await s.request("/api/bytes", { host: "echo.localhost", method: "POST", body: bytes });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  test("a UTF-8 body arrives as its text, with its byte length", async () => {
    const text = `héllo ✓ 🎉 ${"x".repeat(300_000)}\n"quoted"\\`;
    const res = await s.request("/api/text", {
      host: "echo.localhost",
      method: "POST",
      body: text,
      headers: { "content-type": "text/plain" },
    });
    const got = (await res.json()) as { length: number; bytes: number; text: string };
    expect(got.text).toBe(text);
    expect(got.length).toBe(text.length);
    expect(got.bytes).toBe(new TextEncoder().encode(text).byteLength);
  });

  test("a chunked JSON body is read through the counting reader", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"a":'));
        c.enqueue(new TextEncoder().encode('[1,"ü"]}'));
        c.close();
      },
    });
    const res = await s.request("/api/json", {
      host: "echo.localhost",
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(await res.json()).toEqual({ got: { a: [1, "ü"] } });
  });

  test("a declared length beside chunked framing is no way past the body limit", async () => {
    // 2 MiB of chunks under a Content-Length of 5: the limit (1 MiB) must still cut it.
    const status = await new Promise<number>((resolve, reject) => {
      const sock = connect(s.port, "127.0.0.1", () => {
        sock.write(
          "POST /api/json HTTP/1.1\r\nHost: echo.localhost\r\nContent-Type: application/json\r\n" +
            "Content-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        );
        const chunk = `${(64 * 1024).toString(16)}\r\n${"a".repeat(64 * 1024)}\r\n`;
        for (let i = 0; i < 32; i++) sock.write(chunk);
        sock.write("0\r\n\r\n");
      });
      let text = "";
      sock.on("data", (d) => {
        text += d.toString();
      });
      sock.on("error", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
      sock.on("close", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)));
      setTimeout(() => reject(new Error("no answer")), 20_000);
    });
    expect(status === 413 || status === 400).toBe(true);
  });
});

describe("answers", () => {
  test("many requests in flight each get their own answer, whatever the text looks like", async () => {
    const n = 200;
    const all = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        s.request(`/api/id?n=${i}`, { host: "echo.localhost" }).then(async (r) => ({
          i,
          header: r.headers.get("x-n"),
          text: await r.text(),
        })),
      ),
    );
    for (const r of all) {
      expect(r.header).toBe(String(r.i));
      expect(r.text).toBe(`answer ${r.i}\n1\n0\nT200\n{}\nforged`);
    }
  });

  test("an app that rewrites JSON.stringify cannot pass for another request's answer", async () => {
    const get = (path: string, host: string) =>
      s.request(path, { host }).then(async (r) => ({ r, t: await r.text() }));
    const all = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0
          ? get(`/api/id?n=${i}`, "echo.localhost")
          : get(`/api/?n=${i}${i % 3 === 1 ? "" : "&headers=1"}`, "forger.localhost"),
      ),
    );
    all.forEach(({ r, t }, i) => {
      if (i % 3 === 0) {
        // The other app's answers are its own, in spite of the forged framing in flight.
        expect(r.status).toBe(200);
        expect(r.headers.get("x-n")).toBe(String(i));
      } else if (i % 3 === 1) {
        // The forged text is only ever its own request's body.
        expect(r.status).toBe(200);
        expect(t).toBe(`1\n0\nT200\n{}\nforged by ${i}`);
      } else {
        // Headers that are no JSON object: a 500 of its own.
        expect(r.status).toBe(500);
        expect(t).not.toContain("forged");
      }
    });
  });

  test("header values that are no strings arrive as strings", async () => {
    const res = await s.request("/api/odd", { host: "echo.localhost" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-num")).toBe("42");
    expect(await res.text()).toBe("x");
  });

  test("a handler may replace req.headers", async () => {
    const res = await s.request("/api/headers", { host: "echo.localhost" });
    expect(await res.json()).toEqual({ replaced: "1" });
  });
});

describe("ds.find results handed through as JSON text", () => {
  test("the same documents as the storage API returns, odd keys included", async () => {
    const ds = createStorage(s.store, appId("finder")).ds;
    ds.insert("docs", {});
    ds.insert("docs", { id: "given", nested: { a: [1, { b: null }] }, 'quote"key': "\\" });
    ds.insert("docs", { text: "日本語 🎉", n: -1.5e-7, t: true });
    ds.insert("docs", JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "c"}'));
    s.store.engine.run(
      "UPDATE app_docs SET data = '  {\"spaced\": 1 }  ' WHERE app_id = ? AND id = 'given'",
      [appId("finder")],
    );
    const res = await s.request("/api/", { host: "finder.localhost" });
    expect(res.status).toBe(200);
    const got = (await res.json()) as unknown[];
    expect(got).toEqual(JSON.parse(JSON.stringify(ds.find("docs", {}, { limit: 100 }))));
    expect(got).toHaveLength(4);
    const one = await s.request("/api/?one=given", { host: "finder.localhost" });
    expect(await one.json()).toEqual({ one: JSON.parse(JSON.stringify(ds.findOne("docs", "given"))) });
    const none = await s.request("/api/?one=nothing", { host: "finder.localhost" });
    expect(await none.json()).toEqual({ one: null });
  });
});

describe("ctx.env", () => {
  test("read when the handler looks at it, once per request, and a change applies to the next request", async () => {
    await dataOf(await apiJson(s, "PUT", "/api/apps/echo/env", { set: { GREETING: "hi", OTHER: "x" } }), 200);
    const first = (await (await s.request("/api/env", { host: "echo.localhost" })).json()) as {
      env: Record<string, string>;
      again: boolean;
      keys: string[];
    };
    expect(first.env).toEqual({ GREETING: "hi", OTHER: "x" });
    expect(first.again).toBe(true);
    expect(first.keys.sort()).toEqual(["GREETING", "OTHER"]);
    await dataOf(
      await apiJson(s, "PUT", "/api/apps/echo/env", { set: { GREETING: "hello" }, unset: ["OTHER"] }),
      200,
    );
    const next = (await (await s.request("/api/env", { host: "echo.localhost" })).json()) as {
      env: Record<string, string>;
    };
    expect(next.env).toEqual({ GREETING: "hello" });
  });
});
