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
