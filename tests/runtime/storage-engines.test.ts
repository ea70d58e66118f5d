/**
 * App code's storage on both engines: the runtime started with a database
 * target directly (a SQLite file, or a postgres:// URL: each worker then
 * opens its own PostgreSQL engine), and a handler doing `fazt.app.kv/ds/s3`
 * writes and reads synchronously inside QuickJS. The app is seeded with
 * plain rows (no server, no deploy pipeline), the same on both engines.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { silentLogger } from "../../src/core/log.ts";
import { type Engine, openEngine } from "../../src/db/index.ts";
import { type AppRef, createRuntime, type RequestEvent, type WireResponse } from "../../src/runtime/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(60_000);
afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const APP = `export default async (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/api/write") {
    fazt.app.kv.set("visits", (fazt.app.kv.get("visits") ?? 0) + 1);
    const id = fazt.app.ds.insert("notes", { text: "hi", tags: ["a"], n: 1 });
    fazt.app.ds.update("notes", id, { $inc: { n: 41 } });
    fazt.app.s3.put("files/a.txt", "héllo", "text/plain");
    fazt.app.s3.put("files/b.bin", new Uint8Array([0, 255, 1]));
    return { id };
  }
  if (path === "/api/read") {
    const blob = fazt.app.s3.get("files/a.txt");
    const bin = fazt.app.s3.get("files/b.bin");
    return {
      visits: fazt.app.kv.get("visits"),
      keys: fazt.app.kv.list().map((e) => e.key),
      notes: fazt.app.ds.find("notes", { tags: { $contains: "a" } }).map((d) => ({ text: d.text, n: d.n })),
      big: fazt.app.ds.count("notes", { n: { $gt: 40 } }),
      text: new TextDecoder().decode(blob.data),
      size: blob.size,
      bin: Array.from(bin.data),
      paths: fazt.app.s3.list("files/").map((e) => e.path),
    };
  }
  if (path === "/api/conflict") {
    fazt.app.ds.insert("notes", { id: "same" });
    try { fazt.app.ds.insert("notes", { id: "same" }); } catch (e) { return { caught: e.code ?? e.name, message: String(e.message) }; }
    return { caught: null };
  }
  return new Response("not found", { status: 404 });
};`;

function seedApp(engine: Engine): AppRef {
  const t = Date.now();
  const source = new TextEncoder().encode(APP);
  const sha = new Bun.CryptoHasher("sha256").update(source).digest("hex");
  engine.transaction(() => {
    engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, 0, ?, ?)", [
      "app_store",
      "store",
      t,
      t,
    ]);
    engine.run(
      "INSERT INTO versions (id, app_id, seq, spa, file_count, bytes, has_api, created_at) VALUES (?, ?, 1, 0, 1, ?, 1, ?)",
      ["ver_1", "app_store", source.length, t],
    );
    engine.run("INSERT INTO blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?)", [
      sha,
      source.length,
      source,
      t,
    ]);
    engine.run("INSERT INTO version_files (version_id, path, sha256, size, mime) VALUES (?, ?, ?, ?, ?)", [
      "ver_1",
      "api/main.js",
      sha,
      source.length,
      "text/javascript",
    ]);
    engine.run("UPDATE apps SET current_version_id = ? WHERE id = ?", ["ver_1", "app_store"]);
  });
  return { id: "app_store", name: "store", versionId: "ver_1" };
}

function request(path: string): RequestEvent {
  return {
    type: "request",
    req: {
      method: "GET",
      url: `http://store.localhost${path}`,
      path,
      query: {},
      headers: {},
      body: "",
      parsed: null,
      files: [],
    },
    user: null,
    requestId: `req-${path}`,
    browser: false,
  };
}

const bodyOf = (res: WireResponse) =>
  JSON.parse(res.text ?? Buffer.from(res.body ?? "", "base64").toString()) as Record<string, unknown>;

const answers = new Map<string, unknown[]>();

describe.each(engines)("app storage inside QuickJS on $dialect", ({ dialect, target }) => {
  test("writes and reads kv, ds and s3 synchronously, with two workers", async () => {
    const where = await target();
    const engine = await openEngine(where);
    const app = seedApp(engine);
    // Two base workers: requests land on either, each with its own connection (and, on
    // PostgreSQL, its own I/O worker); what one wrote the other reads.
    const rt = createRuntime({
      dbPath: where,
      log: silentLogger,
      limits: () => ({ timeoutMs: 20_000, memoryBytes: 64 * 1024 * 1024, stackBytes: 256 * 1024 }),
      size: { base: 2, max: 2, perApp: 2, spareIdleMs: 100 },
    });
    try {
      const seen: unknown[] = [];
      // One after the other: kv's read-then-set is not atomic, and this counts visits.
      for (let i = 0; i < 2; i++) {
        const res = await rt.invoke(app, request("/api/write"));
        expect(res.status).toBe(200);
        expect(bodyOf(res).id).toMatch(/^doc_/);
      }
      const read = await rt.invoke(app, request("/api/read"));
      expect(read.status).toBe(200);
      const body = bodyOf(read);
      expect(body).toEqual({
        visits: 2,
        keys: ["visits"],
        notes: [
          { text: "hi", n: 42 },
          { text: "hi", n: 42 },
        ],
        big: 2,
        text: "héllo",
        size: 6,
        bin: [0, 255, 1],
        paths: ["files/a.txt", "files/b.bin"],
      });
      seen.push(body);
      const conflict = bodyOf(await rt.invoke(app, request("/api/conflict")));
      expect(conflict.caught).toBe("CONFLICT");
      seen.push(conflict);
      // What app code wrote is in the database, read back outside the runtime.
      expect(engine.get<{ value: string }>("SELECT value FROM app_kv WHERE key = 'visits'")).toEqual({
        value: "2",
      });
      expect(Number(engine.get<{ n: number }>("SELECT count(*) AS n FROM app_docs")?.n)).toBe(3);
      answers.set(dialect, seen);
    } finally {
      rt.close();
      engine.close();
    }
  });
});

test("both engines answered app code alike", () => {
  expect(answers.get("sqlite")).toBeDefined();
  const pg = answers.get("postgres");
  if (pg) expect(pg).toEqual(answers.get("sqlite")!);
});
