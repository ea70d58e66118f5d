/**
 * The whole app storage API (`fazt.app.kv`, `ds`, `s3` and the admin's
 * browsing) through its stores on both engines: one scripted run of calls
 * per engine, each call's outcome (value or error code) written down, and
 * the two transcripts must be equal. Explicit expectations pin the values
 * on each engine too, so "equal" cannot mean "equally wrong".
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import { type Engine, openEngine } from "../../src/db/index.ts";
import {
  createStorage,
  dsPage,
  kvPage,
  type Storage,
  s3Page,
  storageOverview,
  sweepExpiredKv,
} from "../../src/storage/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { sleep } from "./support.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

function addApp(engine: Engine, id: string): string {
  const t = Date.now();
  engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
    id,
    id.replace("app_", "n"),
    0,
    t,
    t,
  ]);
  return id;
}

/** Times differ between runs: replaced by whether they are plausible. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString("hex")}`;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        ["_createdAt", "_updatedAt", "updatedAt", "expiresAt"].includes(k) && typeof v === "number"
          ? v > 1_700_000_000_000
          : stable(v);
    }
    return out;
  }
  return value;
}

function outcome(f: () => unknown): unknown {
  try {
    return { ok: stable(f()) };
  } catch (e) {
    if (e instanceof FaztError) return { error: e.code, message: e.message };
    throw e;
  }
}

const transcripts = new Map<string, unknown[]>();

describe.each(engines)("app storage on $dialect", ({ dialect, target }) => {
  let engine: Engine;
  let app: Storage;
  let appId: string;
  const log: unknown[] = [];
  const step = (f: () => unknown) => {
    const o = outcome(f);
    log.push(o);
    return o as { ok?: unknown; error?: string };
  };

  test("opens, migrated", async () => {
    engine = await openEngine(await target());
    expect(engine.dialect).toBe(dialect as Engine["dialect"]);
    appId = addApp(engine, "app_shop");
    addApp(engine, "app_other");
    app = createStorage(engine, appId);
  });

  test("kv: JSON values, prefixes taken literally, code point order, TTL, refusals", async () => {
    const { kv } = app;
    const values = [0, -1.5, 2 ** 53 + 2, "text", "", true, null, [1, "a"], { a: { "": [{}] } }];
    for (const [i, v] of values.entries()) step(() => kv.set(`v${i}`, v));
    for (const [i, v] of values.entries()) expect(step(() => kv.get(`v${i}`))).toEqual({ ok: v });
    for (const key of ["a*", "a%", "a_", "a[1]", "a?", "B", "a", "é", "日本", "a b", "ab"])
      step(() => kv.set(key, key));
    expect(step(() => kv.list("a%"))).toEqual({ ok: [{ key: "a%", value: "a%" }] });
    expect(step(() => kv.list("a_"))).toEqual({ ok: [{ key: "a_", value: "a_" }] });
    expect(step(() => kv.list("a*"))).toEqual({ ok: [{ key: "a*", value: "a*" }] });
    expect(step(() => kv.list("a[")).ok).toEqual([{ key: "a[1]", value: "a[1]" }]);
    const keys = (kv.list() as { key: string }[]).map((e) => e.key).filter((k) => !k.startsWith("v"));
    log.push(keys);
    expect(keys).toEqual(["B", "a", "a b", "a%", "a*", "a?", "a[1]", "a_", "ab", "é", "日本"]);
    expect(step(() => kv.set("nul\0key", 1)).error).toBe("VALIDATION_FAILED");
    expect(step(() => kv.list("nul\0"))).toEqual({ ok: [] });
    expect(step(() => kv.set("x", undefined)).error).toBe("VALIDATION_FAILED");
    step(() => kv.set("short", 1, 1));
    step(() => kv.set("long", 2, 60_000));
    await sleep(5);
    expect(step(() => kv.list("short"))).toEqual({ ok: [] });
    expect(step(() => kv.get("short"))).toEqual({ ok: undefined });
    expect(step(() => kv.delete("long"))).toEqual({ ok: true });
    expect(step(() => kv.delete("long"))).toEqual({ ok: false });
    step(() => kv.set("gone", 1, 1));
    await sleep(5);
    expect(step(() => sweepExpiredKv(engine))).toEqual({ ok: 1 });
    // Another app and a user's scope see none of it.
    expect(step(() => createStorage(engine, "app_other").kv.list())).toEqual({ ok: [] });
    expect(step(() => createStorage(engine, appId, "usr_1").kv.get("v0"))).toEqual({ ok: undefined });
  });

  test("ds: insert, queries, sorting, ties in one millisecond, update, delete, count, refusals", () => {
    const { ds } = app;
    const docs = [
      { id: "a", n: 1, s: "apple", tags: ["red", "fruit"], o: { x: 1 } },
      { id: "b", n: 2, s: "Banana", tags: ["yellow"], o: { x: 2 } },
      { id: "c", n: "2", s: "cherry", done: true },
      { id: 7, n: 10, s: "été" },
      { id: "e", s: "", o: { y: null } },
    ];
    for (const d of docs) step(() => ds.insert("fruit", d));
    expect(step(() => ds.insert("fruit", { id: "a" })).error).toBe("CONFLICT");
    const ids = (q: unknown, o?: unknown) =>
      step(() => (ds.find("fruit", q as never, o as never) as { id: string }[]).map((d) => d.id)).ok;
    expect(ids({ n: 2 })).toEqual(["b"]);
    expect(ids({ n: { $gte: 2 } }, { sort: { n: 1 } })).toEqual(["b", "7"]);
    expect(ids({ tags: { $contains: "red" } })).toEqual(["a"]);
    expect(ids({ "o.x": { $exists: true } }, { sort: { "o.x": -1 } })).toEqual(["b", "a"]);
    expect(ids({ $or: [{ s: "" }, { done: true }] }, { sort: { id: 1 } })).toEqual(["c", "e"]);
    expect(ids({}, { sort: { s: 1 } })).toEqual(["e", "b", "a", "c", "7"]);
    expect(ids({ s: { $gt: "B" } }, { sort: { s: 1 }, limit: 2, offset: 1 })).toEqual(["a", "c"]);
    expect(ids({ "o.y": null }, { sort: { id: 1 } })).toEqual(["7", "a", "b", "c", "e"]);
    expect(step(() => ds.findOne("fruit", 7))).toEqual({
      ok: { id: "7", n: 10, s: "été", _createdAt: true, _updatedAt: true },
    });
    expect(JSON.parse(ds.findJson("fruit", {}, { sort: { id: 1 } }))).toEqual(
      ds.find("fruit", {}, { sort: { id: 1 } }),
    );
    expect(JSON.parse(ds.findOneJson("fruit", "b"))).toEqual(ds.findOne("fruit", "b"));
    expect(ds.findOneJson("fruit", "none")).toBe("null");
    // Documents inserted in the same millisecond come back newest first on both engines.
    for (let i = 0; i < 20; i++) ds.insert("ties", { k: i });
    const order = ds.find("ties").map((d) => d.k);
    log.push(order);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
    expect(
      step(() => ds.update("fruit", { n: { $in: [1, 2] } }, { $inc: { n: 5 }, $set: { seen: true } })),
    ).toEqual({ ok: 2 });
    expect(ids({ seen: true }, { sort: { n: 1 } })).toEqual(["a", "b"]);
    expect(step(() => ds.findOne("fruit", "b"))).toMatchObject({ ok: { n: 7, seen: true } });
    expect(step(() => ds.update("fruit", "c", { $inc: { n: 1 } })).error).toBe("VALIDATION_FAILED");
    expect(step(() => ds.update("fruit", "c", { $unset: { done: 1 } }))).toEqual({ ok: 1 });
    expect(step(() => ds.count("fruit", { done: { $exists: true } }))).toEqual({ ok: 0 });
    expect(step(() => ds.insert("fruit", { s: "nul\0" })).error).toBe("VALIDATION_FAILED");
    expect(step(() => ds.insert("fruit", { "k\0": 1 })).error).toBe("VALIDATION_FAILED");
    // A backslash before "u0000" is text, not the escape.
    expect(step(() => ds.insert("fruit", { id: "bs", s: "\\u0000" }))).toEqual({ ok: "bs" });
    expect(step(() => ds.findOne("fruit", "bs"))).toMatchObject({ ok: { s: "\\u0000" } });
    expect(step(() => ds.find("fruit", { n: { $bad: 1 } })).error).toBe("VALIDATION_FAILED");
    expect(step(() => ds.find("bad name", {})).error).toBe("VALIDATION_FAILED");
    expect(step(() => ds.delete("fruit", { n: { $gt: 6 } }))).toEqual({ ok: 2 });
    expect(step(() => ds.count("fruit"))).toEqual({ ok: 4 });
    expect(step(() => createStorage(engine, "app_other").ds.count("fruit"))).toEqual({ ok: 0 });
    expect(step(() => createStorage(engine, appId, "usr_1").ds.count("fruit"))).toEqual({ ok: 0 });
  });

  test("ds: a field index is made and used on this engine", () => {
    const { ds } = app;
    engine.transaction(() => {
      for (let i = 0; i < 300; i++) ds.insert("big", { sku: `s${i}`, bucket: i % 10 });
    });
    expect(step(() => ds.count("big", { sku: "s42" }))).toEqual({ ok: 1 });
    expect(step(() => ds.count("big", { bucket: { $in: [1, 2] } }))).toEqual({ ok: 60 });
    const names =
      engine.dialect === "postgres"
        ? engine.all<{ n: string }>(
            "SELECT indexname AS n FROM pg_indexes WHERE indexname LIKE 'app_docs_f_%'",
          )
        : engine.all<{ n: string }>("SELECT name AS n FROM sqlite_master WHERE name GLOB 'app_docs_f_*'");
    expect(names.length).toBeGreaterThanOrEqual(2);
  });

  test("s3: bytes and text, overwrite, hash, list by code point, delete", () => {
    const { s3 } = app;
    const bytes = new Uint8Array([0, 1, 2, 255, 0]);
    step(() => s3.put("img/b.bin", bytes));
    step(() => s3.put("img/a.txt", "héllo"));
    step(() => s3.put("img/B.txt", "x", "text/x-custom"));
    step(() => s3.put("img%/c", "y"));
    const got = s3.get("img/b.bin")!;
    expect(got.data).toEqual(bytes);
    expect(got.data).toBeInstanceOf(Uint8Array);
    expect(step(() => s3.get("img/a.txt"))).toEqual({
      ok: {
        data: `bytes:${Buffer.from("héllo").toString("hex")}`,
        mime: "text/plain; charset=utf-8",
        size: 6,
        hash: new Bun.CryptoHasher("sha256").update("héllo").digest("hex"),
      },
    });
    expect(step(() => s3.list("img/").map((e) => e.path))).toEqual({
      ok: ["img/B.txt", "img/a.txt", "img/b.bin"],
    });
    expect(step(() => s3.list("img%").map((e) => e.path))).toEqual({ ok: ["img%/c"] });
    step(() => s3.put("img/a.txt", "again"));
    expect(step(() => s3.get("img/a.txt")?.size)).toEqual({ ok: 5 });
    expect(step(() => s3.delete("img/a.txt"))).toEqual({ ok: true });
    expect(step(() => s3.delete("img/a.txt"))).toEqual({ ok: false });
    expect(step(() => s3.get("img/a.txt"))).toEqual({ ok: null });
    expect(step(() => s3.put("../x", "y")).error).toBe("VALIDATION_FAILED");
  });

  test("browsing: overview and pages", () => {
    createStorage(engine, appId, "usr_1").kv.set("cart", [1]);
    const overview = step(() => storageOverview(engine, appId, "")).ok as {
      kv: { count: number };
      s3: { count: number; bytes: number };
      users: { id: string }[];
    };
    expect(overview.s3).toEqual({ count: 3, bytes: 7 });
    expect(overview.users).toEqual([{ id: "usr_1" }]);
    expect(typeof overview.kv.count).toBe("number");
    expect(step(() => kvPage(engine, appId, "", "a", { limit: 3, offset: 1 }))).toMatchObject({
      ok: { total: 8, rows: [{ key: "a b" }, { key: "a%" }, { key: "a*" }] },
    });
    expect(
      step(() => dsPage(engine, appId, "", "fruit", { s: { $gt: "" } }, { limit: 10, offset: 0 })),
    ).toMatchObject({
      ok: { total: 3 },
    });
    expect(step(() => s3Page(engine, appId, "", "img/", { limit: 1, offset: 1 }))).toMatchObject({
      ok: { total: 2, rows: [{ path: "img/b.bin", size: 5 }] },
    });
    expect(step(() => kvPage(engine, appId, "", "\0", { limit: 1, offset: 0 }))).toEqual({
      ok: { rows: [], total: 0 },
    });
  });

  test("closes; transcript kept", () => {
    engine.close();
    transcripts.set(dialect, log);
  });
});

test("both engines gave the same answers to the same calls", () => {
  const sqlite = transcripts.get("sqlite");
  expect(sqlite).toBeDefined();
  const pg = transcripts.get("postgres");
  if (!pg) return; // PostgreSQL unavailable on a dev machine (postgresAvailable throws under CI)
  expect(pg).toEqual(sqlite!);
});
