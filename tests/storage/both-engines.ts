/**
 * Both engines side by side for the document query tests: the same rows in
 * SQLite (the real `fazt.app.ds`) and in PostgreSQL (a copy, in rowid order,
 * queried through src/storage/query-pg-statements.ts; tests/storage/pg-docs.ts).
 * `same` runs a find on both and asserts the same documents in the same
 * order, or the same error.
 */
import { afterAll, beforeAll, expect } from "bun:test";
import { join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { type Doc, type DocRow, toDoc } from "../../src/storage/ds.ts";
import { createStorage, type Ds } from "../../src/storage/index.ts";
import type { PgTarget } from "../../src/storage/query-pg-statements.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { openPgDocs, type PgDocs } from "./pg-docs.ts";
import { makeApp } from "./support.ts";

export type Q = Record<string, unknown>;
export type Options = { sort?: Record<string, 1 | -1>; limit?: number; offset?: number };

export const BASIC = [
  { id: "a", n: 1, s: "apple", done: true, tags: ["red", "fruit"], o: { x: 1, y: { z: "deep" } } },
  { id: "b", n: 2, s: "banana", done: false, tags: ["yellow", "fruit"], o: { x: 2 } },
  { id: "c", n: "2", s: "cherry pie", done: 1, tags: "red fruit", nul: null },
  { id: "d", n: 10, s: "Date", done: 0, arr: [1, 2, 3], list: [{ k: 1 }, { k: 2 }] },
  { id: "e", s: "", o: { x: null }, tags: [] },
];

let deep: Q = { leaf: "bottom" };
for (let i = 0; i < 15; i++) deep = { d: deep };
export const DEEP_PATH = `${"d.".repeat(15)}leaf`;

export const ADVERSARIAL = [
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

export const MANY = Array.from({ length: 60 }, (_, i) => ({
  id: `m${i}`,
  i,
  g: i % 3,
  h: i % 2 ? "odd" : "even",
}));

export function outcome<T>(f: () => T): { value?: T; error?: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof FaztError) return { error: `${e.code}: ${e.message}` };
    throw e;
  }
}

export async function outcomeAsync<T>(f: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await f() };
  } catch (e) {
    if (e instanceof FaztError) return { error: `${e.code}: ${e.message}` };
    throw e;
  }
}

export interface BothEngines {
  pg: PgDocs;
  ds: Ds;
  appId: string;
  /** Copies rows inserted since into PostgreSQL (rows already there stay). */
  sync(): Promise<void>;
  target(collection: string): PgTarget;
  /** Finds on both: the same documents in the same order (and count), or the same error; the ids or the error. */
  same(collection: string, query: unknown, options?: Options): Promise<string[] | string>;
  /** `same`, ids sorted. */
  sorted(collection: string, query: unknown): Promise<string[] | string>;
}

/**
 * The SQLite side: a SQLite file whatever `FAZT_TEST_ENGINE` says (helpers/store.ts
 * would follow it), since these tests compare SQLite's answers with PostgreSQL's.
 */
function useSqliteStore(): { current: Store } {
  const ref = {} as { current: Store };
  beforeAll(async () => {
    ref.current = await openDatabase(join(tempDir(), "data.db"));
  });
  afterAll(() => {
    ref.current?.close();
    cleanupTemp();
  });
  return ref;
}

/** Fills both engines with BASIC ("t"), ADVERSARIAL ("adv") and MANY ("many") before the tests of a file. */
export function useBothEngines(label: string): BothEngines {
  const db = useSqliteStore();
  const both = {} as BothEngines;
  beforeAll(async () => {
    both.appId = makeApp(db.current, label);
    both.ds = createStorage(db.current, both.appId).ds;
    for (const d of BASIC) both.ds.insert("t", d);
    for (const d of ADVERSARIAL) both.ds.insert("adv", d);
    for (const d of MANY) both.ds.insert("many", d);
    both.pg = await openPgDocs(label);
    await both.pg.copyFrom(db.current.sqlite, both.appId);
  });
  afterAll(async () => {
    await both.pg?.close();
  });
  both.sync = () => both.pg.copyFrom(db.current.sqlite, both.appId);
  both.target = (collection) => ({ appId: both.appId, scope: "", collection });
  both.same = async (collection, query, options) => {
    const { ds, pg } = both;
    const lite = outcome(() => ds.find(collection, query as Q, options));
    const post = await outcomeAsync(async () =>
      (await pg.find(both.target(collection), query, options)).map((r) => toDoc(r as DocRow)),
    );
    const ids = (o: { value?: Doc[]; error?: string }) => o.error ?? o.value!.map((d) => d.id);
    expect({ query, options, pg: ids(post) }).toEqual({ query, options, pg: ids(lite) });
    expect(post.value).toEqual(lite.value!);
    if (lite.error) return lite.error;
    if (!options)
      expect(await pg.count(both.target(collection), query)).toBe(ds.count(collection, query as Q));
    return (lite.value as Doc[]).map((d) => d.id);
  };
  both.sorted = async (collection, query) => {
    const r = await both.same(collection, query);
    return typeof r === "string" ? r : [...r].sort();
  };
  return both;
}
