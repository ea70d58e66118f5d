import { beforeAll, describe, expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import type { Engine } from "../../src/db/index.ts";
import { createStorage, type Ds, dropFieldIndexes, explainFind } from "../../src/storage/index.ts";
import { testEngine } from "../helpers/engine.ts";
import { useTempStore } from "../helpers/store.ts";
import { ENGINES, makeApp, sleep, useEngine } from "./support.ts";

const db = useTempStore();

/** The definitions of the field indexes on the store, from either engine's catalog. */
function fieldIndexDefs(engine: Engine): string[] {
  const sql =
    engine.dialect === "postgres"
      ? "SELECT indexdef AS sql FROM pg_indexes WHERE indexname LIKE 'app\\_docs\\_f\\_%'"
      : "SELECT sql FROM sqlite_master WHERE type = 'index' AND name GLOB 'app_docs_f_*'";
  return engine.all<{ sql: string }>(sql).map((r) => r.sql);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FaztError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return "no error";
}

describe.each(ENGINES)("ds on $dialect", ({ target }) => {
  const edb = useEngine(target);
  let k = 0;
  const fresh = (): Ds => createStorage(edb.current, makeApp(edb.current, `ds${k++}`)).ds;

  describe("insert, find, findOne, count", () => {
    test("insert returns the given id or a generated one; documents come back with id and times", () => {
      const ds = fresh();
      const before = Date.now();
      const id = ds.insert("items", { name: "apple", qty: 3 });
      expect(id).toMatch(/^doc_[a-z2-7]{20}$/);
      expect(ds.insert("items", { id: "pear", name: "pear" })).toBe("pear");
      expect(ds.insert("items", { id: 42, name: "num" })).toBe("42");
      expect(ds.insert("items", { id: "", name: "blank id" })).toMatch(/^doc_/);
      const doc = ds.findOne("items", id)!;
      expect(doc).toEqual({
        id,
        name: "apple",
        qty: 3,
        _createdAt: expect.any(Number),
        _updatedAt: expect.any(Number),
      });
      expect(Object.keys(doc)[0]).toBe("id");
      expect(doc._createdAt).toBeGreaterThanOrEqual(before);
      expect(ds.findOne("items", 42)!.name).toBe("num");
      expect(ds.findOne("items", { id: 42 })!.name).toBe("num");
      expect(ds.findOne("items", "nope")).toBeNull();
      expect(ds.count("items")).toBe(4);
      // id and times given in the document are not stored as fields.
      ds.insert("items", { id: "t", _createdAt: 1, _updatedAt: 2, x: 1 });
      expect(ds.findOne("items", "t")).toMatchObject({ id: "t", x: 1 });
      expect(ds.findOne("items", "t")!._createdAt).toBeGreaterThan(2);
    });

    test("a duplicate id is CONFLICT; a bad id or document is refused", () => {
      const ds = fresh();
      ds.insert("c", { id: "a" });
      expect(code(() => ds.insert("c", { id: "a", other: 1 }))).toStartWith("CONFLICT");
      ds.insert("other", { id: "a" }); // same id, another collection: fine
      expect(code(() => ds.insert("c", { id: { x: 1 } }))).toStartWith("VALIDATION_FAILED");
      expect(code(() => ds.insert("c", { id: "x".repeat(257) }))).toStartWith("VALIDATION_FAILED");
      expect(code(() => ds.insert("c", [1, 2] as unknown as Record<string, unknown>))).toContain(
        "must be an object",
      );
      expect(code(() => ds.insert("c", null as unknown as Record<string, unknown>))).toContain(
        "must be an object",
      );
      expect(code(() => ds.insert("c", { f: () => 1 }))).toContain("function");
      expect(code(() => ds.insert("c", { n: 1n }))).toContain("BigInt");
      expect(code(() => ds.insert("c", { big: "x".repeat(1024 * 1024) }))).toStartWith("PAYLOAD_TOO_LARGE");
    });

    test("collection names: 1-64 of letters, digits, _ and -", () => {
      const ds = fresh();
      ds.insert("A-z_09", { a: 1 });
      for (const bad of ["", "a b", "a.b", "x".repeat(65), "a'--", "é", 5, null]) {
        expect(code(() => ds.insert(bad as string, {}))).toContain("invalid collection name");
        expect(code(() => ds.find(bad as string))).toContain("invalid collection name");
      }
    });

    test("newest first by default (ties in the same millisecond keep insertion order)", () => {
      const ds = fresh();
      for (let i = 0; i < 20; i++) ds.insert("c", { i });
      expect(ds.find("c").map((d) => d.i)).toEqual([...Array(20).keys()].reverse());
      expect(ds.findOne("c")!.i).toBe(19);
      expect(ds.findOne("c", { i: { $lt: 5 } })!.i).toBe(4);
    });

    test("limit, offset and their bounds", () => {
      const ds = fresh();
      for (let i = 0; i < 10; i++) ds.insert("c", { i });
      const sort = { i: 1 as const };
      expect(ds.find("c", {}, { sort, limit: 3 }).map((d) => d.i)).toEqual([0, 1, 2]);
      expect(ds.find("c", {}, { sort, limit: 3, offset: 8 }).map((d) => d.i)).toEqual([8, 9]);
      expect(ds.find("c", {}, { sort, offset: 20 })).toEqual([]);
      expect(ds.find("c", null, null)).toHaveLength(10);
      expect(ds.find("c", {}, { limit: 10_000 })).toHaveLength(10);
      expect(code(() => ds.find("c", {}, { limit: 10_001 }))).toContain("at most 10000");
      expect(code(() => ds.find("c", {}, { limit: 0 }))).toContain("at least 1");
      expect(code(() => ds.find("c", {}, { limit: 1.5 }))).toContain("integer");
      expect(code(() => ds.find("c", {}, { offset: -1 }))).toContain("negative");
      expect(code(() => ds.find("c", {}, { sort: { i: 2 as 1 } }))).toContain("1 or -1");
      expect(code(() => ds.find("c", {}, { skip: 1 } as object))).toStartWith("VALIDATION_FAILED");
    });

    test("sort by several fields, dotted paths, and the reserved fields", () => {
      const ds = fresh();
      const rows = [
        { id: "1", team: "b", age: 30, p: { rank: 2 } },
        { id: "2", team: "a", age: 25, p: { rank: 1 } },
        { id: "3", team: "b", age: 20, p: { rank: 3 } },
        { id: "4", team: "a", age: 35, p: { rank: 4 } },
      ];
      for (const r of rows) ds.insert("people", r);
      const ids = (sort: Record<string, 1 | -1>) => ds.find("people", {}, { sort }).map((d) => d.id);
      expect(ids({ team: 1, age: -1 })).toEqual(["4", "2", "1", "3"]);
      expect(ids({ team: -1, age: 1 })).toEqual(["3", "1", "2", "4"]);
      expect(ids({ "p.rank": 1 })).toEqual(["2", "1", "3", "4"]);
      expect(ids({ id: -1 })).toEqual(["4", "3", "2", "1"]);
      expect(ids({ _createdAt: 1, id: 1 })).toEqual(["1", "2", "3", "4"]);
      expect(code(() => ids({ "bad field": 1 }))).toContain("invalid field name");
    });
  });

  describe("queries", () => {
    let ds: Ds;
    const ids = (q: Record<string, unknown>) =>
      ds
        .find("t", q)
        .map((d) => d.id)
        .sort();
    beforeAll(() => {
      ds = fresh();
      const docs = [
        { id: "a", n: 1, s: "apple", done: true, tags: ["red", "fruit"], o: { x: 1, y: { z: "deep" } } },
        { id: "b", n: 2, s: "banana", done: false, tags: ["yellow", "fruit"], o: { x: 2 } },
        { id: "c", n: "2", s: "cherry pie", done: 1, tags: "red fruit", nul: null },
        { id: "d", n: 10, s: "Date", done: 0, arr: [1, 2, 3], list: [{ k: 1 }, { k: 2 }] },
        { id: "e", s: "", o: { x: null }, tags: [] },
      ];
      for (const d of docs) ds.insert("t", d);
    });

    test("plain equality on values and dotted paths; numbers, strings and booleans stay apart", () => {
      expect(ids({ n: 2 })).toEqual(["b"]);
      expect(ids({ n: "2" })).toEqual(["c"]);
      expect(ids({ done: true })).toEqual(["a"]);
      expect(ids({ done: false })).toEqual(["b"]);
      expect(ids({ done: 1 })).toEqual(["c"]);
      expect(ids({ done: 0 })).toEqual(["d"]);
      expect(ids({ "o.x": 1 })).toEqual(["a"]);
      expect(ids({ "o.y.z": "deep" })).toEqual(["a"]);
      expect(ids({ "arr.1": 2 })).toEqual(["d"]);
      expect(ids({ "list.1.k": 2 })).toEqual(["d"]);
      expect(ids({ o: { x: 2 } })).toEqual(["b"]);
      expect(ids({ arr: [1, 2, 3] })).toEqual(["d"]);
      expect(ids({ tags: ["red", "fruit"] })).toEqual(["a"]);
      expect(ids({ s: "" })).toEqual(["e"]);
      expect(ids({ n: 2, s: "banana" })).toEqual(["b"]);
      expect(ids({ n: 2, s: "apple" })).toEqual([]);
      expect(ids({})).toEqual(["a", "b", "c", "d", "e"]);
    });

    test("null matches null or a missing field", () => {
      expect(ids({ nul: null })).toEqual(["a", "b", "c", "d", "e"]);
      expect(ids({ "o.x": null })).toEqual(["c", "d", "e"]);
      expect(ids({ nul: { $ne: null } })).toEqual([]);
      expect(ids({ "o.x": { $ne: null } })).toEqual(["a", "b"]);
    });

    test("$eq, $ne (missing fields match), $gt/$gte/$lt/$lte by type", () => {
      expect(ids({ n: { $eq: 1 } })).toEqual(["a"]);
      expect(ids({ n: { $ne: 2 } })).toEqual(["a", "c", "d", "e"]);
      expect(ids({ done: { $ne: true } })).toEqual(["b", "c", "d", "e"]);
      expect(ids({ missing: { $ne: 5 } })).toEqual(["a", "b", "c", "d", "e"]);
      expect(ids({ n: { $gt: 1 } })).toEqual(["b", "d"]);
      expect(ids({ n: { $gte: 2, $lt: 10 } })).toEqual(["b"]);
      expect(ids({ n: { $lte: 10 } })).toEqual(["a", "b", "d"]);
      expect(ids({ n: { $gt: "1" } })).toEqual(["c"]);
      expect(ids({ s: { $gte: "b", $lt: "c" } })).toEqual(["b"]);
      expect(ids({ s: { $lt: "a" } })).toEqual(["d", "e"]); // "" and "Date" sort before "a"
      expect(ids({ done: { $gt: 0 } })).toEqual(["c"]); // booleans are not numbers
    });

    test("$in and $nin, including empty lists, mixed types and missing fields", () => {
      expect(ids({ n: { $in: [] } })).toEqual([]);
      expect(ids({ n: { $in: [1, "2", true] } })).toEqual(["a", "c"]);
      expect(ids({ done: { $in: [true, false] } })).toEqual(["a", "b"]);
      expect(ids({ n: { $in: [null] } })).toEqual(["e"]);
      expect(ids({ o: { $in: [{ x: 2 }, { x: 3 }] } })).toEqual(["b"]);
      expect(ids({ n: { $nin: [] } })).toEqual(["a", "b", "c", "d", "e"]);
      expect(ids({ n: { $nin: [1, 2] } })).toEqual(["c", "d", "e"]);
      expect(ids({ n: { $nin: [1, 2, null] } })).toEqual(["c", "d"]);
      expect(ids({ id: { $in: ["a", "c", "zz"] } })).toEqual(["a", "c"]);
      expect(ids({ id: { $nin: ["a"] } })).toEqual(["b", "c", "d", "e"]);
      expect(code(() => ids({ n: { $in: 5 } }))).toContain("needs an array");
      expect(code(() => ids({ n: { $in: Array(1001).fill(1) } }))).toContain("more than 1000");
    });

    test("$contains: array membership or substring", () => {
      expect(ids({ tags: { $contains: "red" } })).toEqual(["a", "c"]);
      expect(ids({ tags: { $contains: "fruit" } })).toEqual(["a", "b", "c"]);
      expect(ids({ s: { $contains: "an" } })).toEqual(["b"]);
      expect(ids({ s: { $contains: "APPLE" } })).toEqual([]);
      expect(ids({ arr: { $contains: 2 } })).toEqual(["d"]);
      expect(ids({ arr: { $contains: "2" } })).toEqual([]);
      expect(ids({ list: { $contains: { k: 2 } } })).toEqual(["d"]);
      expect(ids({ n: { $contains: 1 } })).toEqual([]);
      expect(ids({ id: { $contains: "b" } })).toEqual(["b"]);
      expect(ids({ s: { $contains: "%" } })).toEqual([]);
    });

    test("$exists true/false (a JSON null exists)", () => {
      expect(ids({ n: { $exists: true } })).toEqual(["a", "b", "c", "d"]);
      expect(ids({ n: { $exists: false } })).toEqual(["e"]);
      expect(ids({ nul: { $exists: true } })).toEqual(["c"]);
      expect(ids({ "o.y": { $exists: true } })).toEqual(["a"]);
      expect(ids({ id: { $exists: true } })).toHaveLength(5);
      expect(code(() => ids({ n: { $exists: "yes" } }))).toContain("true or false");
    });

    test("$or and $and, nested, with empty lists", () => {
      expect(ids({ $or: [{ n: 1 }, { s: "banana" }] })).toEqual(["a", "b"]);
      expect(
        ids({ $and: [{ tags: { $contains: "fruit" } }, { $or: [{ done: true }, { done: 1 }] }] }),
      ).toEqual(["a", "c"]);
      expect(ids({ $or: [{ $and: [{ n: { $gt: 1 } }, { n: { $lt: 5 } }] }, { id: "e" }] })).toEqual([
        "b",
        "e",
      ]);
      expect(ids({ s: { $contains: "a" }, $or: [{ n: 1 }, { n: 2 }] })).toEqual(["a", "b"]);
      expect(ids({ $or: [] })).toEqual([]);
      expect(ids({ $and: [] })).toHaveLength(5);
      expect(code(() => ids({ $or: { n: 1 } }))).toContain("needs an array");
      expect(code(() => ids({ $or: [5] }))).toContain("must be an object");
      let deep: Record<string, unknown> = { n: 1 };
      for (let i = 0; i < 10; i++) deep = { $or: [deep] };
      expect(code(() => ids(deep))).toContain("nested more than");
    });

    test("queries on id and the times", () => {
      expect(ids({ id: "b" })).toEqual(["b"]);
      expect(ids({ id: { $ne: "b" } })).toEqual(["a", "c", "d", "e"]);
      expect(ids({ id: { $gte: "d" } })).toEqual(["d", "e"]);
      expect(ids({ _createdAt: { $gt: 0 } })).toHaveLength(5);
      expect(ids({ _updatedAt: { $lt: 0 } })).toEqual([]);
      expect(ids({ id: true })).toEqual([]);
    });

    test("unknown operators, mixed operator objects, bad values and bad field names are refused", () => {
      expect(code(() => ids({ n: { $regex: "a" } }))).toContain('unknown query operator "$regex"');
      expect(code(() => ids({ $where: "1" }))).toContain('unknown query operator "$where"');
      expect(code(() => ids({ $not: { n: 1 } }))).toContain("unknown query operator");
      expect(code(() => ids({ n: { $gt: 1, plain: 2 } }))).toContain("mixes operators");
      expect(code(() => ids({ n: { $gt: true } }))).toContain("number or a string");
      expect(code(() => ids({ n: { $gt: null } }))).toContain("number or a string");
      expect(code(() => ids({ n: undefined }))).toContain("undefined");
      expect(code(() => ids({ n: 1n }))).toContain("BigInt");
      expect(code(() => ids({ n: () => 1 }))).toContain("function");
      expect(code(() => ids({ n: Number.NaN }))).toContain("NaN");
      for (const bad of ["a b", "a..b", ".a", "a.", "1a", "-a", "a'b", 'a"b', "a[0]", "x".repeat(65), "é"]) {
        expect(code(() => ids({ [bad]: 1 }))).toStartWith("VALIDATION_FAILED: invalid field name");
      }
      const tooMany = Array.from({ length: 17 }, () => "a").join(".");
      expect(code(() => ids({ [tooMany]: 1 }))).toContain("more than 16 segments");
      expect(code(() => ds.find("t", "a" as unknown as Record<string, unknown>))).toContain(
        "must be an object",
      );
    });
  });

  describe("update and delete", () => {
    test("$set, $unset, $inc and plain keys; count of matches; _updatedAt moves, _createdAt stays", async () => {
      const ds = fresh();
      ds.insert("c", { id: "a", n: 1, o: { p: 1, q: 2 }, arr: [1, 2] });
      ds.insert("c", { id: "b", n: 5 });
      const before = ds.findOne("c", "a")!;
      await sleep(3);
      expect(
        ds.update("c", { id: "a" }, { $set: { s: "x", "o.p": 9 }, $unset: { "o.q": true }, $inc: { n: 2 } }),
      ).toBe(1);
      const after = ds.findOne("c", "a")!;
      expect(after).toMatchObject({ n: 3, s: "x", o: { p: 9 }, arr: [1, 2] });
      expect(after.o).toEqual({ p: 9 });
      expect(after._createdAt).toBe(before._createdAt);
      expect(after._updatedAt).toBeGreaterThan(before._updatedAt);
      expect(ds.update("c", "a", { name: "plain", "deep.new.path": true, "arr.1": 20, "arr.2": 30 })).toBe(1);
      expect(ds.findOne("c", "a")).toMatchObject({
        name: "plain",
        deep: { new: { path: true } },
        arr: [1, 20, 30],
      });
      expect(ds.update("c", {}, { $inc: { n: 10 } })).toBe(2);
      expect(ds.find("c", {}, { sort: { id: 1 } }).map((d) => d.n)).toEqual([13, 15]);
      expect(ds.update("c", { id: "nope" }, { x: 1 })).toBe(0);
      expect(ds.update("c", "a", {})).toBe(1);
      ds.update("c", "a", { $unset: { missing: 1, "no.such.path": 1, "arr.0": 1 } });
      expect(ds.findOne("c", "a")!.arr).toEqual([null, 20, 30]);
    });

    test("$inc on a missing field counts from 0; on a non-number it is refused and nothing changes", () => {
      const ds = fresh();
      ds.insert("c", { id: "a", s: "text" });
      ds.insert("c", { id: "b", n: 1 });
      expect(ds.update("c", "a", { $inc: { views: 1, "stats.hits": 5 } })).toBe(1);
      expect(ds.findOne("c", "a")).toMatchObject({ views: 1, stats: { hits: 5 } });
      expect(ds.update("c", "a", { $inc: { views: -0.5 } })).toBe(1);
      expect(ds.findOne("c", "a")!.views).toBe(0.5);
      expect(code(() => ds.update("c", {}, { $inc: { n: 1 }, $set: { s: "changed" } }))).toBe("no error");
      // b has n, a has none: both fine. Now a string field:
      expect(code(() => ds.update("c", {}, { $inc: { s: 1 } }))).toContain("cannot $inc");
      expect(ds.findOne("c", "b")!.s).toBe("changed"); // the earlier update stands, the refused one left nothing
      expect(ds.findOne("c", "b")!.n).toBe(2);
      expect(code(() => ds.update("c", "a", { $inc: { n: "1" } }))).toContain("needs a number");
      expect(code(() => ds.update("c", "a", { $inc: { n: Number.MAX_VALUE }, $set: {} }))).toBe("no error");
      expect(code(() => ds.update("c", "a", { $inc: { n: Number.MAX_VALUE } }))).toContain("overflows");
    });

    test("id and the times cannot be changed; other refusals", () => {
      const ds = fresh();
      ds.insert("c", { id: "a", s: "x", o: 5 });
      // A whole document written back: id and times are ignored, the rest applied.
      const doc = ds.findOne("c", "a")!;
      expect(ds.update("c", "a", { ...doc, s: "y" })).toBe(1);
      expect(ds.findOne("c", "a")).toMatchObject({ id: "a", s: "y", _createdAt: doc._createdAt });
      expect(code(() => ds.update("c", "a", { $set: { id: "b" } }))).toContain("id cannot be changed");
      expect(code(() => ds.update("c", "a", { $unset: { _createdAt: 1 } }))).toContain("cannot be changed");
      expect(code(() => ds.update("c", "a", { $inc: { _updatedAt: 1 } }))).toContain("cannot be changed");
      expect(code(() => ds.update("c", "a", { $push: { l: 1 } }))).toContain(
        'unknown update operator "$push"',
      );
      expect(code(() => ds.update("c", "a", { $set: 5 }))).toContain("needs an object");
      expect(code(() => ds.update("c", "a", { $set: { s: 1 }, s: 2 }))).toContain("changed twice");
      expect(code(() => ds.update("c", "a", { "o.p": 1 }))).toContain('"o" holds a number');
      expect(code(() => ds.update("c", "a", { "bad key": 1 }))).toContain("invalid field name");
      expect(code(() => ds.update("c", "a", { f: () => 1 }))).toContain("function");
      expect(code(() => ds.update("c", undefined as unknown as string, { s: 1 }))).toContain(
        "a query is required",
      );
      expect(code(() => ds.update("c", "a", null as unknown as Record<string, unknown>))).toContain(
        "must be an object",
      );
      expect(ds.findOne("c", "a")).toMatchObject({ id: "a", s: "y", o: 5 });
      // Undefined values are skipped, as JSON would drop them.
      expect(ds.update("c", "a", { s: undefined, t: 1 })).toBe(1);
      expect(ds.findOne("c", "a")).toMatchObject({ s: "y", t: 1 });
    });

    test("a field called __proto__ is plain data", () => {
      const ds = fresh();
      ds.insert("c", { id: "a" });
      ds.update("c", "a", { "__proto__.polluted": 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const doc = ds.findOne("c", "a")!;
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
      expect(Object.hasOwn(doc, "__proto__")).toBe(true);
      expect(ds.count("c", { "__proto__.polluted": 1 })).toBe(1);
    });

    test("delete by query, by id, and all with {}; a missing query is refused", () => {
      const ds = fresh();
      for (let i = 0; i < 6; i++) ds.insert("c", { id: `d${i}`, i, even: i % 2 === 0 });
      ds.insert("keep", { id: "k" });
      expect(ds.delete("c", { even: true })).toBe(3);
      expect(ds.delete("c", "d1")).toBe(1);
      expect(ds.delete("c", "d1")).toBe(0);
      expect(ds.delete("c", { i: { $in: [] } })).toBe(0);
      expect(code(() => ds.delete("c", undefined as unknown as string))).toContain("a query is required");
      expect(ds.count("c")).toBe(2);
      expect(ds.delete("c", {})).toBe(2);
      expect(ds.count("c")).toBe(0);
      expect(ds.count("keep")).toBe(1);
    });
  });
});

describe("indexes", () => {
  // SQLite's plans and index SQL; PostgreSQL's are held by ds-query-pg-index.test.ts.
  test.skipIf(testEngine() !== "sqlite")(
    "a find by a field on 100,000 documents searches an expression index instead of scanning",
    () => {
      const store = db.current;
      const appId = makeApp(store, "big");
      const { ds } = createStorage(store, appId);
      store.engine.transaction(() => {
        for (let i = 0; i < 100_000; i++)
          ds.insert("big", { sku: `s${i}`, bucket: i % 100, meta: { shelf: i % 50 } });
      });
      const uses = (plan: string[]) => plan.some((d) => /USING INDEX app_docs_f_[0-9a-f_]+ /.test(d));
      const scans = (plan: string[]) => plan.some((d) => /^SCAN /.test(d));

      expect(ds.find("big", { sku: "s77777" }).map((d) => d.bucket)).toEqual([77]);
      const plan = explainFind(store, appId, "", "big", { sku: "s77777" });
      expect(uses(plan)).toBe(true);
      expect(scans(plan)).toBe(false);
      expect(plan.join(" ")).toContain("<expr>=?");

      expect(ds.count("big", { "meta.shelf": 7 })).toBe(2000);
      expect(uses(explainFind(store, appId, "", "big", { "meta.shelf": 7 }))).toBe(true);
      expect(uses(explainFind(store, appId, "", "big", { bucket: { $in: [1, 2] } }))).toBe(true);
      expect(uses(explainFind(store, appId, "", "big", { bucket: { $gte: 98 } }))).toBe(true);
      expect(ds.find("big", { bucket: { $gte: 98 } }, { limit: 10_000 })).toHaveLength(2000);
      // Sorting makes the field's index too (SQLite, without statistics, may still prefer
      // the creation-time index and sort); the order is right either way.
      expect(ds.find("big", {}, { sort: { sku: 1 }, limit: 3 }).map((d) => d.sku)).toEqual([
        "s0",
        "s1",
        "s10",
      ]);
      const indexes = fieldIndexDefs(store.engine);
      expect(indexes.some((s) => s.includes(`json_extract(data, '$."meta"."shelf"')`))).toBe(true);
    },
  );

  test("indexes are per app and collection: another app's query on the same field stays correct", () => {
    const store = db.current;
    const a = createStorage(store, makeApp(store, "idx-a")).ds;
    const b = createStorage(store, makeApp(store, "idx-b")).ds;
    for (let i = 0; i < 50; i++) {
      a.insert("things", { color: i % 2 ? "red" : "blue" });
      b.insert("things", { color: i % 5 ? "red" : "green" });
    }
    // Alternate so one prepared statement is re-planned for each app.
    for (let round = 0; round < 3; round++) {
      expect(a.count("things", { color: "red" })).toBe(25);
      expect(b.count("things", { color: "red" })).toBe(40);
      expect(a.find("things", { color: "green" })).toEqual([]);
      expect(b.find("things", { color: "green" })).toHaveLength(10);
    }
  });

  test("at most 16 field indexes per collection; further fields still query correctly", () => {
    const appId = makeApp(db.current, "capped");
    const { ds } = createStorage(db.current, appId);
    ds.insert("c", { id: "x", ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i])) });
    ds.insert("d", { id: "y", g: 1 });
    for (let i = 0; i < 20; i++) expect(ds.count("c", { [`f${i}`]: i })).toBe(1);
    expect(ds.count("c", { f19: { $gt: 0 } })).toBe(1);
    expect(ds.count("d", { g: 1 })).toBe(1);
    // PostgreSQL writes the literals back as `(app_id = 'x'::text)`.
    const mine = fieldIndexDefs(db.current.engine).filter((s) => s.includes(`app_id = '${appId}'`));
    expect(mine.filter((s) => s.includes("collection = 'c'"))).toHaveLength(16);
    expect(mine.filter((s) => s.includes("collection = 'd'"))).toHaveLength(1);
  });
});

test("dropFieldIndexes removes one app's field indexes and no other's", () => {
  const store = db.current;
  const gone = makeApp(store, "drop-me");
  const kept = makeApp(store, "keep-me");
  for (const appId of [gone, kept]) {
    const { ds } = createStorage(store, appId);
    ds.insert("c", { x: 1 });
    expect(ds.count("c", { x: 1 })).toBe(1);
  }
  const count = (appId: string) =>
    fieldIndexDefs(store.engine).filter((sql) => sql.includes(`'${appId}'`)).length;
  expect(count(gone)).toBe(1);
  expect(dropFieldIndexes(store, gone)).toBe(1);
  expect(count(gone)).toBe(0);
  expect(count(kept)).toBe(1);
  expect(createStorage(store, kept).ds.count("c", { x: 1 })).toBe(1);
});
