/**
 * The SQLite compiler of document queries (src/storage/query-sqlite.ts) on
 * what the comparison with PostgreSQL (ds-query-engines.test.ts) found.
 */
import { expect, test } from "bun:test";
import { createStorage } from "../../src/storage/index.ts";
import { useTempStore } from "../helpers/store.ts";
import { makeApp } from "./support.ts";

const db = useTempStore();

test("integers beyond 2^53 are found by themselves ($eq, $in, $contains, ordering)", () => {
  // JavaScript writes 2 ** 60 as 1152921504606847000, which SQLite reads as that exact integer.
  const big = createStorage(db.current, makeApp(db.current, "big-numbers")).ds;
  big.insert("n", { id: "x", v: 2 ** 60, l: [2 ** 60] });
  big.insert("n", { id: "y", v: 2 ** 60 + 256 });
  big.insert("n", { id: "z", v: 2 ** 63 });
  const found = (q: Record<string, unknown>) =>
    big
      .find("n", q)
      .map((d) => d.id)
      .sort();
  expect(found({ v: 2 ** 60 })).toEqual(["x"]);
  expect(found({ v: { $in: [2 ** 60, 2 ** 63] } })).toEqual(["x", "z"]);
  expect(found({ l: { $contains: 2 ** 60 } })).toEqual(["x"]);
  expect(found({ v: { $gt: 2 ** 60 } })).toEqual(["y", "z"]);
  expect(found({ v: { $lte: 2 ** 60 } })).toEqual(["x"]);
  expect(found({ v: { $ne: 2 ** 60 } })).toEqual(["y", "z"]);
});

test("objects are equal whatever their key order, as JSON (and as on PostgreSQL's jsonb)", () => {
  const ds = createStorage(db.current, makeApp(db.current, "key-order")).ds;
  ds.insert("c", { id: "a", o: { x: 1, y: { p: [1, { q: 2, r: "s" }] } }, l: [{ k: 1, v: "a" }, 3] });
  ds.insert("c", { id: "b", o: '{"y":2,"x":1}', l: ['{"v":"a","k":1}'] });
  ds.insert("c", { id: "c", o: { x: 1 }, l: [[{ k: 1, v: "a" }]] });
  const found = (q: Record<string, unknown>) =>
    ds
      .find("c", q)
      .map((d) => d.id)
      .sort();
  expect(found({ o: { y: { p: [1, { r: "s", q: 2 }] }, x: 1 } })).toEqual(["a"]);
  expect(found({ o: { y: { p: [{ r: "s", q: 2 }, 1] }, x: 1 } })).toEqual([]); // arrays keep their order
  expect(found({ o: { y: { p: [1, { r: "s", q: 2, t: 0 }] }, x: 1 } })).toEqual([]);
  expect(found({ o: { y: { p: [1, { r: "s", q: "2" }] }, x: 1 } })).toEqual([]);
  expect(found({ "o.y.p.1": { r: "s", q: 2 } })).toEqual(["a"]);
  expect(
    found({
      o: {
        $in: [
          { z: 1, x: 1 },
          { y: { p: [1, { r: "s", q: 2 }] }, x: 1 },
        ],
      },
    }),
  ).toEqual(["a"]);
  expect(found({ o: { $ne: { y: { p: [1, { r: "s", q: 2 }] }, x: 1 } } })).toEqual(["b", "c"]);
  expect(found({ l: { $contains: { v: "a", k: 1 } } })).toEqual(["a"]);
  expect(found({ l: { $contains: [{ v: "a", k: 1 }] } })).toEqual(["c"]);
  // Strings that hold JSON text are strings: never equal to an object, never read as JSON.
  expect(found({ o: { y: 2, x: 1 } })).toEqual([]);
  expect(found({ o: '{"y":2,"x":1}' })).toEqual(["b"]);
});

test("query values: at most 1000 array/object members and 10,000 $in values in all; unpaired surrogates as U+FFFD", () => {
  const ds = createStorage(db.current, makeApp(db.current, "values")).ds;
  ds.insert("c", { id: "a", s: "\ufffd", o: { s: "\ufffd" } });
  expect(ds.count("c", { s: "\ud800" })).toBe(1);
  expect(ds.count("c", { o: { s: "\udc00" } })).toBe(1);
  expect(ds.count("c", { s: { $gte: "\ud800" } })).toBe(1);
  expect(ds.count("c", { l: Array(1000).fill(0) })).toBe(0);
  expect(() => ds.count("c", { l: Array(1001).fill(0) })).toThrow("more than 1000 array or object members");
  expect(() => ds.count("c", { l: Array(600).fill(0), m: { $in: [Array(401).fill(0)] } })).toThrow(
    "more than 1000",
  );
  expect(ds.count("c", { n: { $in: Array(1000).fill(1) } })).toBe(0); // scalars in $in are not members
  // $in/$nin values, 10,000 in all (each a bound parameter on PostgreSQL, which takes 65,535).
  const lists = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { $nin: Array(1000).fill(i) }]));
  expect(ds.count("c", lists(10))).toBe(1);
  expect(() => ds.count("c", lists(11))).toThrow("more than 10000 $in and $nin values");
});
