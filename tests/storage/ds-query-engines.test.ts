/**
 * The document query language gives the same documents, in the same order,
 * on SQLite (the real `fazt.app.ds`) and on PostgreSQL (the statements of
 * src/storage/query-pg-statements.ts over a copy of the same rows): every
 * query case of ds.test.ts, then adversarial ones. PostgreSQL comes from
 * FAZT_TEST_PG_URL (tests/storage/pg-docs.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import { type Doc, type DocRow, toDoc } from "../../src/storage/ds.ts";
import { createStorage, type Ds } from "../../src/storage/index.ts";
import { parseQuery } from "../../src/storage/query.ts";
import { pgSelectForUpdateSql } from "../../src/storage/query-pg-statements.ts";
import { useTempStore } from "../helpers/store.ts";
import { openPgDocs, type PgDocs, requirePg } from "./pg-docs.ts";
import { makeApp } from "./support.ts";

const enabled = requirePg();
const db = useTempStore();

type Q = Record<string, unknown>;
type Options = { sort?: Record<string, 1 | -1>; limit?: number; offset?: number };

const BASIC = [
  { id: "a", n: 1, s: "apple", done: true, tags: ["red", "fruit"], o: { x: 1, y: { z: "deep" } } },
  { id: "b", n: 2, s: "banana", done: false, tags: ["yellow", "fruit"], o: { x: 2 } },
  { id: "c", n: "2", s: "cherry pie", done: 1, tags: "red fruit", nul: null },
  { id: "d", n: 10, s: "Date", done: 0, arr: [1, 2, 3], list: [{ k: 1 }, { k: 2 }] },
  { id: "e", s: "", o: { x: null }, tags: [] },
];

let deep: Q = { leaf: "bottom" };
for (let i = 0; i < 15; i++) deep = { d: deep };
const DEEP_PATH = `${"d.".repeat(15)}leaf`;

const ADVERSARIAL = [
  // Strings that sort differently by code point than in an English collation.
  { id: "u1", s: "a", w: "é", m: "B" },
  { id: "u2", s: "B", w: "e\u0301", m: 2 },
  { id: "u3", s: "ä", w: "日本", m: true },
  { id: "u4", s: "Z", w: "😀", m: null },
  { id: "u5", s: "é", w: "ß", m: "" },
  { id: "u6", s: "a b", w: "\u2028", m: false },
  { id: "u7", s: "ab", w: "Ω", m: 1.5 },
  { id: "u8", s: "_%", w: "'; DROP TABLE app_docs; --", m: [1] },
  { id: "u9", s: "?", w: "$1", m: { a: 1 } },
  { id: "u10", s: "{a,b}", w: '"\\', m: -1 },
  { id: "u11", s: "\\", w: "a'b", m: 0 },
  { id: "u12", m: "0" },
  // Numbers: beyond 2^53, beyond int64, tiny, negative zero (stored as 0), inexact sums.
  { id: "n1", big: 2 ** 60, x: 0.1 + 0.2 },
  { id: "n2", big: 2 ** 60 + 256, x: 0.3 },
  { id: "n3", big: 2 ** 53 + 2, x: 5e-324 },
  { id: "n4", big: 1e21, x: -0 },
  { id: "n5", big: -(2 ** 63), x: 1.7976931348623157e308 },
  { id: "n6", big: 2 ** 63, x: -1.7976931348623157e308 },
  { id: "n7", big: 123456789012345680000, x: 0 },
  // Keys that are not field names are data, out of reach of paths.
  { id: "k1", "a.b": 1, a: { b: 2 }, 'q"uote': 1, "[0]": 5, "": "empty key", ключ: "ru" },
  { id: "k2", a: { b: 1 }, o1: { "1": "object key one" }, arr: ["zero", "one"] },
  { id: "k3", __proto__x: 1, d$: { $e: "dollar" }, "-x": { "x-y": 3 } },
  // Deep paths, arrays of objects and of arrays.
  {
    id: "p1",
    ...deep,
    list: [
      { k: 1, v: "a" },
      { k: 2, v: "b" },
    ],
    nested: [[1, 2], [3]],
  },
  { id: "p2", list: [{ k: 1 }, { v: "a" }], nested: [[1], 2], s: "not a container" },
];

const MANY = Array.from({ length: 60 }, (_, i) => ({ id: `m${i}`, i, g: i % 3, h: i % 2 ? "odd" : "even" }));

function outcome<T>(f: () => T): { value?: T; error?: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof FaztError) return { error: `${e.code}: ${e.message}` };
    throw e;
  }
}

async function outcomeAsync<T>(f: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await f() };
  } catch (e) {
    if (e instanceof FaztError) return { error: `${e.code}: ${e.message}` };
    throw e;
  }
}

describe.skipIf(!enabled)("the same documents from SQLite and PostgreSQL", () => {
  let pg: PgDocs;
  let appId: string;
  let ds: Ds;
  const target = (collection: string) => ({ appId, scope: "", collection });

  beforeAll(async () => {
    appId = makeApp(db.current, "engines");
    ds = createStorage(db.current, appId).ds;
    for (const d of BASIC) ds.insert("t", d);
    for (const d of ADVERSARIAL) ds.insert("adv", d);
    for (const d of MANY) ds.insert("many", d);
    pg = await openPgDocs("dsquery");
    await pg.copyFrom(db.current.sqlite, appId);
  });
  afterAll(async () => {
    await pg?.close();
  });

  /** Finds on both engines: the same documents in the same order, or the same error. Returns the ids. */
  async function same(collection: string, query: unknown, options?: Options): Promise<string[] | string> {
    const lite = outcome(() => ds.find(collection, query as Q, options));
    const post = await outcomeAsync(async () =>
      (await pg.find(target(collection), query, options)).map((r) => toDoc(r as DocRow)),
    );
    const ids = (o: { value?: Doc[]; error?: string }) => o.error ?? o.value!.map((d) => d.id);
    expect({ query, options, pg: ids(post) }).toEqual({ query, options, pg: ids(lite) });
    expect(post.value).toEqual(lite.value!);
    if (lite.error) return lite.error;
    if (!options) expect(await pg.count(target(collection), query)).toBe(ds.count(collection, query as Q));
    return (lite.value as Doc[]).map((d) => d.id);
  }
  const sorted = async (collection: string, query: unknown) => {
    const r = await same(collection, query);
    return typeof r === "string" ? r : [...r].sort();
  };

  test("the documents come back the same (numbers, unicode, odd keys)", async () => {
    for (const c of ["t", "adv", "many"]) await same(c, {});
    expect(await same("many", {})).toEqual(MANY.map((d) => d.id).reverse()); // one millisecond: insertion order
  });

  test("every query case of ds.test.ts", async () => {
    const cases: [Q, string[] | null][] = [
      [{ n: 2 }, ["b"]],
      [{ n: "2" }, ["c"]],
      [{ done: true }, ["a"]],
      [{ done: false }, ["b"]],
      [{ done: 1 }, ["c"]],
      [{ done: 0 }, ["d"]],
      [{ "o.x": 1 }, ["a"]],
      [{ "o.y.z": "deep" }, ["a"]],
      [{ "arr.1": 2 }, ["d"]],
      [{ "list.1.k": 2 }, ["d"]],
      [{ o: { x: 2 } }, ["b"]],
      [{ arr: [1, 2, 3] }, ["d"]],
      [{ tags: ["red", "fruit"] }, ["a"]],
      [{ s: "" }, ["e"]],
      [{ n: 2, s: "banana" }, ["b"]],
      [{ n: 2, s: "apple" }, []],
      [{}, ["a", "b", "c", "d", "e"]],
      [{ nul: null }, ["a", "b", "c", "d", "e"]],
      [{ "o.x": null }, ["c", "d", "e"]],
      [{ nul: { $ne: null } }, []],
      [{ "o.x": { $ne: null } }, ["a", "b"]],
      [{ n: { $eq: 1 } }, ["a"]],
      [{ n: { $ne: 2 } }, ["a", "c", "d", "e"]],
      [{ done: { $ne: true } }, ["b", "c", "d", "e"]],
      [{ missing: { $ne: 5 } }, ["a", "b", "c", "d", "e"]],
      [{ n: { $gt: 1 } }, ["b", "d"]],
      [{ n: { $gte: 2, $lt: 10 } }, ["b"]],
      [{ n: { $lte: 10 } }, ["a", "b", "d"]],
      [{ n: { $gt: "1" } }, ["c"]],
      [{ s: { $gte: "b", $lt: "c" } }, ["b"]],
      [{ s: { $lt: "a" } }, ["d", "e"]],
      [{ done: { $gt: 0 } }, ["c"]],
      [{ n: { $in: [] } }, []],
      [{ n: { $in: [1, "2", true] } }, ["a", "c"]],
      [{ done: { $in: [true, false] } }, ["a", "b"]],
      [{ n: { $in: [null] } }, ["e"]],
      [{ o: { $in: [{ x: 2 }, { x: 3 }] } }, ["b"]],
      [{ n: { $nin: [] } }, ["a", "b", "c", "d", "e"]],
      [{ n: { $nin: [1, 2] } }, ["c", "d", "e"]],
      [{ n: { $nin: [1, 2, null] } }, ["c", "d"]],
      [{ id: { $in: ["a", "c", "zz"] } }, ["a", "c"]],
      [{ id: { $nin: ["a"] } }, ["b", "c", "d", "e"]],
      [{ tags: { $contains: "red" } }, ["a", "c"]],
      [{ tags: { $contains: "fruit" } }, ["a", "b", "c"]],
      [{ s: { $contains: "an" } }, ["b"]],
      [{ s: { $contains: "APPLE" } }, []],
      [{ arr: { $contains: 2 } }, ["d"]],
      [{ arr: { $contains: "2" } }, []],
      [{ list: { $contains: { k: 2 } } }, ["d"]],
      [{ n: { $contains: 1 } }, []],
      [{ id: { $contains: "b" } }, ["b"]],
      [{ s: { $contains: "%" } }, []],
      [{ n: { $exists: true } }, ["a", "b", "c", "d"]],
      [{ n: { $exists: false } }, ["e"]],
      [{ nul: { $exists: true } }, ["c"]],
      [{ "o.y": { $exists: true } }, ["a"]],
      [{ id: { $exists: true } }, ["a", "b", "c", "d", "e"]],
      [{ $or: [{ n: 1 }, { s: "banana" }] }, ["a", "b"]],
      [{ $and: [{ tags: { $contains: "fruit" } }, { $or: [{ done: true }, { done: 1 }] }] }, ["a", "c"]],
      [{ $or: [{ $and: [{ n: { $gt: 1 } }, { n: { $lt: 5 } }] }, { id: "e" }] }, ["b", "e"]],
      [{ s: { $contains: "a" }, $or: [{ n: 1 }, { n: 2 }] }, ["a", "b"]],
      [{ $or: [] }, []],
      [{ $and: [] }, ["a", "b", "c", "d", "e"]],
      [{ id: "b" }, ["b"]],
      [{ id: { $ne: "b" } }, ["a", "c", "d", "e"]],
      [{ id: { $gte: "d" } }, ["d", "e"]],
      [{ _createdAt: { $gt: 0 } }, ["a", "b", "c", "d", "e"]],
      [{ _updatedAt: { $lt: 0 } }, []],
      [{ id: true }, []],
    ];
    for (const [q, want] of cases) expect({ q, ids: await sorted("t", q) }).toEqual({ q, ids: want! });
  });

  test("refusals are the same: unknown operators, bad values, bad or hostile field names", async () => {
    const refused: unknown[] = [
      { n: { $regex: "a" } },
      { $where: "1" },
      { $not: { n: 1 } },
      { n: { $gt: 1, plain: 2 } },
      { n: { $gt: true } },
      { n: { $gt: null } },
      { n: { $in: 5 } },
      { n: { $in: Array(1001).fill(1) } },
      { n: { $exists: "yes" } },
      { $or: { n: 1 } },
      { $or: [5] },
      { n: Number.NaN },
      { n: { $in: [1, Number.NaN] } },
      { n: { $gt: Number.POSITIVE_INFINITY } },
      { n: 1n },
      "a",
      { [`${"a.".repeat(16)}a`]: 1 },
    ];
    for (const bad of ["a b", "a..b", ".a", "a.", "1a", "-a", "a'b", 'a"b', "a[0]", "x".repeat(65), "é"]) {
      refused.push({ [bad]: 1 });
    }
    // Paths written to reach SQL text: refused by the field grammar before any SQL exists.
    for (const hostile of [
      "a'); DROP TABLE app_docs; --",
      "a' OR '1'='1",
      'a" OR 1=1 --',
      "a->>'b'",
      "a::text",
      "a #> '{b}'",
      "a\\",
      "a\u0000b",
      "a}",
      "a,b",
      "$",
      "a.$e'",
    ]) {
      refused.push({ [hostile]: 1 }, { s: { $gt: 1 }, [hostile]: { $exists: true } });
    }
    for (const q of refused) {
      const r = await same("adv", q);
      expect({ q, refused: typeof r === "string" && r.startsWith("VALIDATION_FAILED") }).toEqual({
        q,
        refused: true,
      });
    }
    let nested: Q = { n: 1 };
    for (let i = 0; i < 10; i++) nested = { $or: [nested] };
    expect(await same("adv", nested)).toContain("nested more than");
  });

  test("strings compare by code point whatever the database's collation; values with SQL in them are data", async () => {
    expect(await sorted("adv", { s: { $lt: "a" } })).toEqual(["u11", "u2", "u4", "u8", "u9"]);
    expect(await sorted("adv", { s: { $gt: "Z", $lt: "b" } })).toEqual(["u1", "u11", "u6", "u7", "u8"]);
    expect(await sorted("adv", { s: { $gte: "ä" } })).toEqual(["u3", "u5"]);
    // "?" "B" "Z" "\\" "_%" "a" "a b" "ab" "not a container" "{a,b}" "ä" "é": code point order.
    const byS = ["u9", "u2", "u4", "u11", "u8", "u1", "u6", "u7", "p2", "u10", "u3", "u5"];
    expect(await same("adv", { s: { $exists: true } }, { sort: { s: 1 } })).toEqual(byS);
    await same("adv", {}, { sort: { s: -1 } });
    await same("adv", {}, { sort: { w: 1 } });
    await same("adv", {}, { sort: { id: 1 } });
    await same("adv", {}, { sort: { id: -1 }, limit: 5, offset: 3 });
    for (const w of [
      "é",
      "e\u0301",
      "日本",
      "😀",
      "ß",
      "\u2028",
      "'; DROP TABLE app_docs; --",
      "$1",
      '"\\',
      "a'b",
    ]) {
      expect(await sorted("adv", { w })).toHaveLength(1);
      expect(await sorted("adv", { w: { $contains: [...w][0]! } })).not.toEqual([]);
      expect(await same("adv", { w: { $contains: w.slice(0, 1) } })).toBeArray(); // half of "😀": U+FFFD on both
    }
    for (const s of ["_%", "?", "{a,b}", "\\"]) expect(await sorted("adv", { s })).toHaveLength(1);
    for (const q of [
      { s: { $contains: "_" } },
      { s: { $contains: "%" } },
      { s: { $contains: "" } },
      { w: { $contains: "'" } },
      { s: { $in: ["a", "B", "ä", "é", "nope"] } },
      { s: { $nin: ["a", "B"] } },
      { s: { $gt: "A", $lte: "é" } },
      { w: { $gte: "\u2028" } },
      { w: { $lt: "😀", $gt: "日本" } },
      { id: { $gt: "u1" } },
      { id: { $contains: "1" } },
    ]) {
      await same("adv", q);
    }
  });

  test("U+0000 and unpaired surrogates in query values (PostgreSQL stores neither)", async () => {
    for (const q of [
      { s: "a\u0000" },
      { s: { $ne: "a\u0000" } },
      { s: { $in: ["a\u0000", "B"] } },
      { s: { $nin: ["a\u0000"] } },
      { s: { $contains: "\u0000" } },
      { s: { $gt: "a\u0000" } },
      { s: { $gte: "a\u0000b" } },
      { s: { $lt: "a\u0000" } },
      { s: { $lte: "a\u0000" } },
      { s: { $lt: "\u0000" } },
      { s: { $gt: "\u0000" } },
      { id: "u1\u0000" },
      { id: { $gt: "u1\u0000" } },
      { o: { a: "\u0000" } },
      { s: "\ud800" },
      { s: { $gt: "\udc00" } },
      { s: { $contains: "\ud83d" } },
      { m: { $in: [["\ud800"]] } },
    ]) {
      await same("adv", q);
    }
    expect(await sorted("adv", { s: { $gt: "a\u0000" } })).toEqual(await sorted("adv", { s: { $gt: "a" } }));
    expect(await sorted("adv", { s: { $lte: "a\u0000" } })).toEqual(
      await sorted("adv", { s: { $lte: "a" } }),
    );
  });

  test("numbers: beyond 2^53 and int64, tiny, -0, inexact; booleans never numbers", async () => {
    for (const n of [2 ** 60, 2 ** 60 + 256, 2 ** 53 + 2, 1e21, -(2 ** 63), 2 ** 63, 123456789012345680000]) {
      expect(await sorted("adv", { big: n })).toHaveLength(1);
      expect(await sorted("adv", { big: { $in: [n, "x"] } })).toHaveLength(1);
      await same("adv", { big: { $gt: n } });
      await same("adv", { big: { $lte: n } });
    }
    expect(await sorted("adv", { big: { $gt: 2 ** 60 } })).toEqual(["n2", "n4", "n6", "n7"]);
    expect(await sorted("adv", { x: 0.3 })).toEqual(["n2"]);
    expect(await sorted("adv", { x: 0.1 + 0.2 })).toEqual(["n1"]);
    expect(await sorted("adv", { x: -0 })).toEqual(["n4", "n7"]);
    expect(await sorted("adv", { x: 5e-324 })).toEqual(["n3"]);
    expect(await sorted("adv", { x: { $gt: 0, $lt: 1e-300 } })).toEqual(["n3"]);
    expect(await sorted("adv", { x: { $gte: 1.7976931348623157e308 } })).toEqual(["n5"]);
    await same("adv", { big: { $exists: true } }, { sort: { big: 1 } });
    await same("adv", { x: { $exists: true } }, { sort: { x: -1 } });
    expect(await sorted("adv", { m: 1 })).toEqual([]);
    expect(await sorted("adv", { m: true })).toEqual(["u3"]);
    expect(await sorted("adv", { m: { $gte: 0 } })).toEqual(["u11", "u2", "u7"]);
    expect(await sorted("adv", { m: 0 })).toEqual(["u11"]);
    expect(await sorted("adv", { m: "0" })).toEqual(["u12"]);
  });

  test("mixed types sort as SQLite does: missing and null, numbers with booleans, then text", async () => {
    const asc = await same("adv", {}, { sort: { m: 1 } });
    // -1, then false and 0 (equal: newest first), true, 1.5, 2, then "", "0", "B", [1], {"a":1} as text.
    expect((asc as string[]).slice(-11)).toEqual([
      "u10",
      "u11",
      "u6",
      "u3",
      "u7",
      "u2",
      "u5",
      "u12",
      "u1",
      "u8",
      "u9",
    ]);
    await same("adv", {}, { sort: { m: -1 } });
    await same("adv", {}, { sort: { m: 1, s: -1 } });
    await same("adv", { m: { $exists: true } }, { sort: { m: -1, id: 1 }, limit: 4 });
    await same("t", {}, { sort: { n: 1 } });
    await same("t", {}, { sort: { done: -1, s: 1 } });
    await same("t", {}, { sort: { o: 1 } });
    await same("t", {}, { sort: { tags: 1 } });
    await same("many", { g: 1 }, { sort: { h: 1 } });
    await same("many", {}, { sort: { g: -1, h: 1 }, limit: 7, offset: 11 });
    await same("many", {}, { sort: { _createdAt: 1, id: 1 } });
  });

  test("paths: dotted keys, quotes and brackets are data; indexes read arrays only; deep paths", async () => {
    expect(await sorted("adv", { "a.b": 2 })).toEqual(["k1"]);
    expect(await sorted("adv", { "a.b": 1 })).toEqual(["k2"]);
    expect(await sorted("adv", { "arr.1": "one" })).toEqual(["k2"]);
    expect(await sorted("adv", { "o1.1": "object key one" })).toEqual([]);
    expect(await sorted("adv", { "o1.1": { $exists: true } })).toEqual([]);
    expect(await sorted("adv", { "s.0": { $exists: true } })).toEqual([]);
    expect(await sorted("adv", { "s.x": null })).toHaveLength(ADVERSARIAL.length);
    expect(await sorted("adv", { "d$.$e": "dollar" })).toEqual(["k3"]);
    expect(await same("adv", { "$d.$e": "dollar" })).toContain("unknown query operator");
    expect(await same("adv", { "-x.x-y": 3 })).toContain("invalid field name"); // "-x" is not a field name
    expect(await sorted("adv", { __proto__x: 1 })).toEqual(["k3"]);
    expect(await sorted("adv", { [DEEP_PATH]: "bottom" })).toEqual(["p1"]);
    expect(await sorted("adv", { [DEEP_PATH]: { $contains: "ott" } })).toEqual(["p1"]);
    expect(await sorted("adv", { "d.d.d": { $exists: true } })).toEqual(["p1"]);
    await same("adv", {}, { sort: { [DEEP_PATH]: -1 } });
  });

  test("arrays of objects and of arrays: whole members, never part of one", async () => {
    expect(await sorted("adv", { list: { $contains: { k: 1, v: "a" } } })).toEqual(["p1"]);
    expect(await sorted("adv", { list: { $contains: { k: 1 } } })).toEqual(["p2"]);
    expect(await sorted("adv", { list: { $contains: { v: "b" } } })).toEqual([]);
    expect(await sorted("adv", { nested: { $contains: [1, 2] } })).toEqual(["p1"]);
    expect(await sorted("adv", { nested: { $contains: [1] } })).toEqual(["p2"]);
    expect(await sorted("adv", { nested: { $contains: 2 } })).toEqual(["p2"]);
    expect(await sorted("adv", { nested: { $contains: 1 } })).toEqual([]);
    expect(await sorted("adv", { "list.0.k": 1 })).toEqual(["p1", "p2"]);
    expect(await sorted("adv", { "nested.0": [1] })).toEqual(["p2"]);
    expect(await sorted("adv", { "nested.0.1": 2 })).toEqual(["p1"]);
    expect(await sorted("adv", { m: { $contains: 1 } })).toEqual(["u8"]);
    expect(await sorted("adv", { m: { $contains: null } })).toEqual([]);
    expect(await sorted("adv", { m: [1] })).toEqual(["u8"]);
    expect(await sorted("adv", { m: { a: 1 } })).toEqual(["u9"]);
    expect(await sorted("adv", { m: { $in: [[1], { a: 1 }, "B"] } })).toEqual(["u1", "u8", "u9"]);
  });

  test("$in with 1,000 values of mixed types", async () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i % 2 ? i : `${i}`));
    expect(await sorted("many", { i: { $in: values } })).toHaveLength(30);
    expect(await sorted("many", { i: { $nin: values } })).toHaveLength(30);
    expect(await sorted("many", { id: { $in: values.map((v) => `m${v}`) } })).toHaveLength(60);
  });

  test("limits and offsets page through ties in insertion order", async () => {
    for (const [limit, offset] of [
      [1, 0],
      [7, 0],
      [7, 7],
      [50, 40],
      [5, 100],
    ] as const) {
      await same("many", {}, { limit, offset });
      await same("many", { g: 2 }, { sort: { h: -1 }, limit, offset });
    }
  });

  test("update reads the same documents under lock; delete removes the same ones", async () => {
    const q = parseQuery({ h: "odd", i: { $gte: 30 } });
    const locked = await pg.sql.begin(async (tx) => {
      const s = pgSelectForUpdateSql(target("many"), q, () => false);
      let n = 0;
      const text = s.sql.replace(/\?/g, () => `$${++n}`);
      return [...(await tx.unsafe(text, s.params as unknown[]))].map((r) => (r as { id: string }).id);
    });
    expect(locked.sort()).toEqual(
      ds
        .find("many", { h: "odd", i: { $gte: 30 } })
        .map((d) => d.id)
        .sort(),
    );
    for (const dq of [{ g: 0, i: { $lt: 30 } }, { h: { $in: ["odd"] } }, { id: "m58" }, { nope: 1 }]) {
      expect(await pg.delete(target("many"), dq)).toBe(ds.delete("many", dq));
      await same("many", {});
    }
  });
});
