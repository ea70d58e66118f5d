import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import { openStoreAt, type Store } from "../../src/db/index.ts";
import { createStorage } from "../../src/storage/index.ts";
import { testDatabaseTarget } from "../helpers/engine.ts";
import { useTempStore } from "../helpers/store.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { makeApp } from "./support.ts";

const db = useTempStore();

function setup() {
  const a = makeApp(db.current, `iso-a-${Math.random()}`);
  const b = makeApp(db.current, `iso-b-${Math.random()}`);
  return {
    a: createStorage(db.current, a),
    b: createStorage(db.current, b),
    aliceOfA: createStorage(db.current, a, "usr_alice"),
    bobOfA: createStorage(db.current, a, "usr_bob"),
  };
}

test("apps and user scopes never see each other's kv, ds or s3 data", () => {
  const all = setup();
  for (const [name, s] of Object.entries(all)) {
    s.kv.set("k", name);
    s.ds.insert("c", { id: "same", owner: name });
    s.s3.put("f.txt", name);
  }
  for (const [name, s] of Object.entries(all)) {
    expect(s.kv.get("k")).toBe(name);
    expect(s.kv.list()).toEqual([{ key: "k", value: name }]);
    expect(s.ds.find("c").map((d) => d.owner)).toEqual([name]);
    expect(s.ds.count("c", {})).toBe(1);
    expect(new TextDecoder().decode(s.s3.get("f.txt")!.data)).toBe(name);
    expect(s.s3.list().map((e) => e.path)).toEqual(["f.txt"]);
  }
  // Deletes and updates stay in their scope.
  expect(all.a.ds.update("c", {}, { touched: true })).toBe(1);
  expect(all.a.ds.delete("c", {})).toBe(1);
  expect(all.a.kv.delete("k")).toBe(true);
  expect(all.a.s3.delete("f.txt")).toBe(true);
  for (const s of [all.b, all.aliceOfA, all.bobOfA]) {
    expect(s.ds.findOne("c", "same")).toMatchObject({ id: "same" });
    expect(s.ds.findOne("c", "same")!.touched).toBeUndefined();
    expect(s.kv.get("k")).toBeDefined();
    expect(s.s3.get("f.txt")).not.toBeNull();
  }
});

test("crafted field names are refused or are plain data, never SQL", () => {
  const { a, b } = setup();
  b.ds.insert("c", { id: "secret", app_id: "x", data: "y", scope: "z" });
  a.ds.insert("c", { id: "mine", data: { x: 1 }, app_id: "fake", $: { x: 2 } });
  const refused = [
    "a') OR 1=1 --",
    "x' OR '1'='1",
    "a);DROP TABLE app_docs;--",
    'a"]',
    "a\u0000",
    "a b",
    "*",
    "a.$x'",
  ];
  for (const field of refused) {
    for (const f of [
      () => a.ds.find("c", { [field]: 1 }),
      () => a.ds.find("c", {}, { sort: { [field]: 1 } }),
      () => a.ds.update("c", {}, { [field]: 1 }),
      () => a.ds.delete("c", { [field]: 1 }),
      () => a.ds.count("c", { $or: [{ [field]: 1 }] }),
    ]) {
      let e: unknown;
      try {
        f();
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(FaztError);
      expect((e as FaztError).code).toBe("VALIDATION_FAILED");
    }
  }
  // Column-like names are fields of the document.
  expect(a.ds.find("c", { app_id: "fake" }).map((d) => d.id)).toEqual(["mine"]);
  expect(a.ds.find("c", { app_id: "x" })).toEqual([]);
  expect(a.ds.find("c", { "data.x": 1 }).map((d) => d.id)).toEqual(["mine"]);
  expect(a.ds.find("c", { data: "y" })).toEqual([]);
  expect(a.ds.find("c", { scope: "z" })).toEqual([]);
  // "$.x" as a query key is an (unknown) operator; as a sort or nested name it is the field "$" then "x".
  expect(() => a.ds.find("c", { "$.x": 2 })).toThrow('unknown query operator "$.x"');
  expect(() => a.ds.update("c", {}, { "$.x": 2 })).toThrow("unknown update operator");
  expect(a.ds.find("c", {}, { sort: { "$.x": -1 } }).map((d) => d.id)).toEqual(["mine"]);
  expect(a.ds.find("c", { $or: [{ id: "secret" }, { id: { $ne: "nothing" } }] }).map((d) => d.id)).toEqual([
    "mine",
  ]);
  // Values that look like SQL are values.
  expect(a.ds.find("c", { id: "' OR 1=1 --" })).toEqual([]);
  expect(a.ds.findOne("c", "secret")).toBeNull();
  expect(a.kv.get("' OR 1=1 --")).toBeUndefined();
  expect(a.s3.list("%")).toEqual([]);
  expect(db.current.engine.get("SELECT count(*) AS n FROM app_docs WHERE id = 'secret'")).toEqual({ n: 1 });
});

test("hostile inputs: huge keys and values, non-JSON values, BigInt, wrong types", () => {
  const { a } = setup();
  const huge = "k".repeat(100_000);
  expect(() => a.kv.set(huge, 1)).toThrow("longer than 512");
  expect(() => a.s3.put(huge, "x")).toThrow("longer than 1024");
  expect(() => a.ds.find("c", { [huge]: 1 })).toThrow("invalid field name");
  expect(() => a.ds.insert("c", { id: huge })).toThrow("longer than 256");
  expect(() => a.kv.set("k", () => 1)).toThrow("function");
  expect(() => a.kv.set("k", undefined)).toThrow("undefined");
  expect(() => a.kv.set("k", 1n)).toThrow("BigInt");
  expect(() => a.ds.insert("c", { n: [1n] })).toThrow("BigInt");
  expect(() => a.ds.find("c", { n: 1n })).toThrow("BigInt");
  expect(() => a.ds.update("c", {}, { $set: { n: 1n } })).toThrow("BigInt");
  expect(() => a.ds.update("c", {}, { $inc: { n: 1n } })).toThrow("needs a number");
  expect(() => a.ds.find("c", { $or: Array.from({ length: 300 }, () => ({ a: 1 })) })).toThrow(
    "more than 256",
  );
  expect(() =>
    a.ds.find("c", {}, { sort: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 1])) }),
  ).toThrow("more than 8");
  expect(() => createStorage(db.current, "")).toThrow(FaztError);
  expect(() => createStorage(db.current, "app_x", "u".repeat(300))).toThrow(FaztError);
});

// ---- concurrency --------------------------------------------------------------------------
// Every writer opens its own connection with openStoreAt, then all start at the same
// moment (a barrier), so their transactions overlap: with no busy timeout SQLite
// answers 'database is locked' at once, which these tests must see as a failure; on
// PostgreSQL they race on the same rows (the shared counter and kv key).

const shared: Store[] = [];
afterAll(() => {
  for (const s of shared) s.close();
  cleanupTemp();
});

const WRITERS = 4;
const ROUNDS = 150;

/** A migrated database (a file or a PostgreSQL URL) with an app and its shared counter, for the writers to share. */
async function sharedDatabase(name: string): Promise<{ path: string; appId: string; store: Store }> {
  const path = await testDatabaseTarget(tempDir());
  const store = await openStoreAt(path);
  shared.push(store);
  const appId = makeApp(store, name);
  createStorage(store, appId).ds.insert("counters", { id: "c", n: 0 });
  return { path, appId, store };
}

/** Every write of every writer is there, once. */
function expectAllWrites(store: Store, appId: string): void {
  const s = createStorage(store, appId);
  expect(s.ds.findOne("counters", "c")!.n).toBe(WRITERS * ROUNDS);
  expect(s.ds.count("log")).toBe(WRITERS * ROUNDS);
  expect(s.ds.count("log", { seen: true })).toBe(WRITERS * ROUNDS);
  expect(s.kv.list("w").length).toBe(WRITERS * ROUNDS);
  expect(s.kv.get("shared")).toBe(ROUNDS - 1);
  expect(s.s3.list().length).toBe(WRITERS * ROUNDS);
  for (let w = 0; w < WRITERS; w++) expect(s.ds.count("log", { worker: w })).toBe(ROUNDS);
}

/** Reads a process's stdout until `done(text)` holds; returns the text read. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: (text: string) => boolean,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

test("separate processes writing at the same moment lose nothing and never see 'database is locked'", async () => {
  const { path, appId, store } = await sharedDatabase("processes");
  const script = join(import.meta.dir, "writer-process.ts");
  const procs = Array.from({ length: WRITERS }, (_, w) =>
    Bun.spawn([process.execPath, script, path, appId, String(w), String(ROUNDS)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    }),
  );
  const readers = procs.map((p) => p.stdout.getReader());
  // Every process has its connection open before any of them writes.
  const ready = await Promise.all(readers.map((r) => readUntil(r, (t) => t.includes("ready\n"))));
  expect(ready.map((t) => t.trim())).toEqual(procs.map(() => "ready"));
  for (const p of procs) {
    p.stdin.write("go\n");
    p.stdin.flush();
  }
  const outs = await Promise.all(readers.map((r) => readUntil(r, () => false)));
  expect(await Promise.all(procs.map((p) => p.exited))).toEqual(procs.map(() => 0));
  expect(outs.map((o) => JSON.parse(o.trim()))).toEqual(procs.map(() => ({ ok: true })));
  expectAllWrites(store, appId);
}, 60_000);

test("Bun Workers, each with its own connection, write at the same moment without losing anything", async () => {
  const { path, appId, store } = await sharedDatabase("workers");
  const barrier = new SharedArrayBuffer(8);
  const flags = new Int32Array(barrier);
  const workers = Array.from(
    { length: WRITERS },
    () => new Worker(new URL("./writer-worker.ts", import.meta.url).href),
  );
  const results = workers.map(
    (worker, w) =>
      new Promise<{ ok: boolean; error?: string }>((resolve) => {
        worker.onmessage = (e) => {
          resolve(e.data);
          worker.terminate();
        };
        worker.onerror = (e) => resolve({ ok: false, error: String(e.message) });
        worker.postMessage({ path, appId, worker: w, rounds: ROUNDS, barrier });
      }),
  );
  // Every worker has its connection open before any of them writes.
  while (Atomics.load(flags, 0) < WRITERS) await Bun.sleep(5);
  Atomics.store(flags, 1, 1);
  Atomics.notify(flags, 1);
  expect(await Promise.all(results)).toEqual(workers.map(() => ({ ok: true })));
  expectAllWrites(store, appId);
}, 60_000);
