/**
 * Random queries, the same on both engines (tests/storage/both-engines.ts):
 * a seeded generator combines fields (present, missing, nested, of mixed
 * types), every operator, values of every JSON type at their edges, `$and`/
 * `$or` nesting, sorts and pages.
 * FAZT_TEST_SEED picks another sequence; a failure prints the query.
 */
import { describe, expect, test } from "bun:test";
import { type Q, useBothEngines } from "./both-engines.ts";
import { requirePg } from "./pg-docs.ts";

const SEED = Number(process.env.FAZT_TEST_SEED ?? 20261205);
const QUERIES = 600;

/** mulberry32: a small seeded generator, the same sequence everywhere. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const FIELDS = [
  "n",
  "s",
  "done",
  "tags",
  "o",
  "o.x",
  "o.y.z",
  "arr",
  "arr.1",
  "list",
  "list.1.k",
  "nul",
  "missing",
  "m",
  "w",
  "big",
  "x",
  "a.b",
  "nested.0",
  "list.0.k",
  "i",
  "g",
  "h",
  "id",
  "_createdAt",
] as const;
const SCALARS = [
  null,
  true,
  false,
  0,
  1,
  2,
  -1,
  1.5,
  10,
  30,
  2 ** 60,
  1e21,
  -0,
  5e-324,
  "2",
  "",
  "a",
  "B",
  "Z",
  "apple",
  "ä",
  "é",
  "fruit",
  "red",
  "odd",
  "even",
  "m7",
  "b",
  "u1",
  "a\u0000",
  "😀",
  "'",
  "%",
  "_",
] as const;
const STRINGS = SCALARS.filter((v) => typeof v === "string");
const NUMBERS = SCALARS.filter((v) => typeof v === "number");

function queries(seed: number) {
  const r = generator(seed);
  const value = (depth = 0): unknown => {
    const k = r.int(10);
    if (k < 7 || depth > 1) return r.pick(SCALARS);
    if (k < 9) return Array.from({ length: r.int(4) }, () => value(depth + 1));
    const out: Q = { [r.pick(["x", "k", "z"])]: value(depth + 1) };
    if (r.next() < 0.5) out[r.pick(["y", "v", "z"])] = value(depth + 1);
    return out;
  };
  const condition = (): Q => {
    const field = r.pick(FIELDS);
    switch (r.int(9)) {
      case 0:
        return { [field]: value() };
      case 1:
        return { [field]: { [r.pick(["$eq", "$ne"])]: value() } };
      case 2:
      case 3: {
        const bound = r.next() < 0.5 ? r.pick(NUMBERS) : r.pick(STRINGS);
        const op = r.pick(["$gt", "$gte", "$lt", "$lte"]);
        return { [field]: r.next() < 0.3 ? { [op]: bound, $ne: value() } : { [op]: bound } };
      }
      case 4:
        return { [field]: { [r.pick(["$in", "$nin"])]: Array.from({ length: r.int(5) }, () => value()) } };
      case 5:
        return { [field]: { $contains: r.next() < 0.6 ? r.pick(STRINGS) : value() } };
      case 6:
        return { [field]: { $exists: r.next() < 0.5 } };
      default:
        return {};
    }
  };
  const query = (depth: number): Q => {
    const out: Q = {};
    const n = r.int(2) + 1;
    for (let i = 0; i < n; i++) {
      if (depth < 3 && r.next() < 0.25) {
        const key = r.pick(["$and", "$or"]);
        out[key] = Array.from({ length: r.int(3) }, () => query(depth + 1));
      } else Object.assign(out, condition());
    }
    return out;
  };
  const options = () => {
    if (r.next() < 0.5) return undefined;
    const sort: Record<string, 1 | -1> = {};
    for (let i = r.int(3); i > 0; i--) sort[r.pick(FIELDS)] = r.pick([1, -1] as const);
    return { sort, limit: r.int(20) + 1, offset: r.int(5) };
  };
  return Array.from({ length: QUERIES }, () => ({
    collection: r.pick(["t", "adv", "many"]),
    query: query(0),
    options: options(),
  }));
}

describe.skipIf(!requirePg())("random queries on both engines", () => {
  const { same } = useBothEngines("dsrand");
  test(`${QUERIES} queries from seed ${SEED}: the same documents, order and errors`, async () => {
    let matched = 0;
    for (const { collection, query, options } of queries(SEED)) {
      const r = await same(collection, query, options);
      if (typeof r !== "string" && r.length > 0) matched++;
    }
    // The generator must reach documents, not only empty answers.
    expect(matched).toBeGreaterThan(QUERIES / 6);
  });
});
