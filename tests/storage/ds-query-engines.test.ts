/**
 * The document query language gives the same documents, in the same order,
 * on SQLite and on PostgreSQL (tests/storage/both-engines.ts): every query
 * case of ds.test.ts, refusals, strings and hostile values. More in
 * ds-query-adversarial.test.ts. PostgreSQL comes from tests/helpers/postgres.ts.
 */
import { describe, expect, test } from "bun:test";
import { MANY, type Q, useBothEngines } from "./both-engines.ts";
import { requirePg } from "./pg-docs.ts";

describe.skipIf(!requirePg())("the same documents from SQLite and PostgreSQL", () => {
  const { same, sorted } = useBothEngines("dsquery");

  test("the documents come back the same (numbers, unicode, odd keys)", async () => {
    for (const c of ["t", "adv", "many"]) await same(c, {});
    expect(await same("many", {})).toEqual(MANY.map((d) => d.id).reverse()); // newest first, ties in insertion order
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
});
