/**
 * Field indexes on PostgreSQL (src/storage/indexes-pg.ts): a find by a field
 * of 100,000 documents searches the field's expression index (EXPLAIN), as
 * the SQLite test in ds.test.ts checks with EXPLAIN QUERY PLAN; indexes are
 * per app and collection, listed from pg_indexes and dropped by app.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseField } from "../../src/storage/fields.ts";
import { appIndexPrefix } from "../../src/storage/indexes.ts";
import { PG_LIST_FIELD_INDEXES, pgDropFieldIndexSql, pgFieldIndexSql } from "../../src/storage/indexes-pg.ts";
import { parseQuery } from "../../src/storage/query.ts";
import { pgCountSql, pgFindSql } from "../../src/storage/query-pg-statements.ts";
import { numbered, openPgDocs, type PgDocs, requirePg } from "./pg-docs.ts";

const enabled = requirePg();
const BIG = "app_big";
const OTHER = "app_other";

describe.skipIf(!enabled)("field indexes on PostgreSQL", () => {
  let pg: PgDocs;
  const big = { appId: BIG, scope: "", collection: "big" };
  const other = { appId: OTHER, scope: "", collection: "big" };

  beforeAll(async () => {
    pg = await openPgDocs("dsindex");
    const fill = `INSERT INTO app_docs (app_id, scope, collection, id, data, created_at, updated_at)
      SELECT ?::text, '', 'big', 'd' || i,
        jsonb_build_object('sku', 's' || i, 'bucket', i % 100, 'meta', jsonb_build_object('shelf', i % 50)),
        1000 + i, 1000 + i
      FROM generate_series(0, ?::int - 1) AS i`;
    await pg.sql.unsafe(numbered(fill), [BIG, 100_000]);
    await pg.sql.unsafe(numbered(fill), [OTHER, 1_000]);
    await pg.sql.unsafe("ANALYZE app_docs");
  });
  afterAll(async () => {
    await pg?.close();
  });

  const plan = async (t: typeof big, query: unknown, sort: Record<string, 1 | -1> = {}) => {
    const q = parseQuery(query);
    const refs = Object.entries(sort).map(([k, d]) => [parseField(k), d] as const);
    const has = await pg.indexed(t, [
      ...q.indexable,
      ...refs.flatMap(([r]) => (r.kind === "json" ? [r.path] : [])),
    ]);
    return pg.explain(pgFindSql(t, q, has, { sort: refs, limit: 1000, offset: 0 }));
  };
  const usesFieldIndex = (p: string) => /Index Scan (using|on) app_docs_f_[0-9a-f_]+ /.test(p);
  const scans = (p: string) => /Seq Scan/.test(p);

  test("an equality on a field of 100,000 documents searches its expression index", async () => {
    const rows = await pg.find(big, { sku: "s77777" });
    expect(rows.map((r) => JSON.parse(r.data).bucket)).toEqual([77]);
    const p = await plan(big, { sku: "s77777" });
    expect(usesFieldIndex(p)).toBe(true);
    expect(scans(p)).toBe(false);
    expect(p).toContain("((data)::jsonb -> 'sku'::text)");

    expect(await pg.count(big, { "meta.shelf": 7 })).toBe(2000);
    expect(usesFieldIndex(await plan(big, { "meta.shelf": 7 }))).toBe(true);
    expect(usesFieldIndex(await plan(big, { bucket: { $in: [1, 2] } }))).toBe(true);
    expect(usesFieldIndex(await plan(big, { bucket: { $gte: 99 } }))).toBe(true);
    expect(await pg.find(big, { bucket: { $gte: 98 } }, { limit: 10_000 })).toHaveLength(2000);
    expect(usesFieldIndex(await plan(big, { sku: "s5", bucket: 5 }))).toBe(true);
    // A path with an array index is a jsonpath expression: its index serves it the same way.
    await pg.sql.unsafe(
      numbered(
        "UPDATE app_docs SET data = (data::jsonb || jsonb_build_object('l', jsonb_build_array(data::jsonb -> 'sku')))::text WHERE app_id = ?::text",
      ),
      [BIG],
    );
    await pg.sql.unsafe("ANALYZE app_docs");
    expect(await pg.count(big, { "l.0": "s4242" })).toBe(1);
    const byIndex = await plan(big, { "l.0": "s4242" });
    expect(byIndex).toContain("jsonb_path_query_first((data)::jsonb, 'strict $.\"l\"[0]'::jsonpath");
    expect(usesFieldIndex(byIndex)).toBe(true);
    expect(
      (await pg.find(big, {}, { sort: { sku: 1 }, limit: 3 })).map((r) => JSON.parse(r.data).sku),
    ).toEqual(["s0", "s1", "s10"]);
  });

  test("indexes are per app and collection; the other app's rows stay correct and out of this app's index", async () => {
    expect(await pg.count(other, { sku: "s77777" })).toBe(0);
    expect(await pg.count(other, { sku: "s777" })).toBe(1);
    expect(await pg.count(big, { sku: "s777" })).toBe(1);
    const q = parseQuery({ sku: "s777" });
    const mine = await pg.indexed(other, q.indexable);
    const s = pgCountSql(other, q, mine);
    expect(s.sql).toContain(`app_id = '${OTHER}'`);
    const p = await pg.explain(s);
    expect(p).toContain(pgFieldIndexSql(OTHER, "big", '$."sku"').name);
    expect(p).not.toContain(pgFieldIndexSql(BIG, "big", '$."sku"').name);
  });

  test("a generic plan (a prepared statement reused) still uses the partial index: app and collection are literals", async () => {
    const q = parseQuery({ sku: "s4242" });
    const has = await pg.indexed(big, q.indexable);
    const genericPlan = async (s: { sql: string; params: unknown[] }, name: string) => {
      await pg.sql.begin(async (tx) => {
        await tx.unsafe("SET LOCAL plan_cache_mode = force_generic_plan");
        await tx.unsafe(`PREPARE ${name} AS ${numbered(s.sql)}`);
        const args = s.params.map((p) => `'${String(p).replaceAll("'", "''")}'`).join(", ");
        const rows = await tx.unsafe(`EXPLAIN EXECUTE ${name}(${args})`);
        await tx.unsafe(`DEALLOCATE ${name}`);
        (s as { plan?: string }).plan = [...rows]
          .map((r) => (r as { "QUERY PLAN": string })["QUERY PLAN"])
          .join("\n");
      });
      return (s as { plan?: string }).plan!;
    };
    const literal = pgFindSql(big, q, has, { sort: [], limit: 10, offset: 0 });
    expect(literal.sql).toContain(`app_id = '${BIG}'`);
    expect(usesFieldIndex(await genericPlan(literal, "fazt_literal"))).toBe(true);
    // The counterfactual: the same query with the app id and collection bound cannot use it.
    const bound = pgFindSql(big, q, () => false, { sort: [], limit: 10, offset: 0 });
    expect(bound.sql).not.toContain(BIG);
    expect(usesFieldIndex(await genericPlan(bound, "fazt_bound"))).toBe(false);
  });

  test("without an index the app id and collection stay bound, and the answer is the same", async () => {
    const q = parseQuery({ "meta.none": 1 });
    const s = pgCountSql(big, q, () => false);
    expect(s.sql).not.toContain(BIG);
    expect(s.params).toContain(BIG);
    expect(await pg.run(s)).toEqual([{ n: "0" }]);
  });

  test("the index list comes from pg_indexes; dropping by app prefix removes one app's only", async () => {
    const list = async (prefix: string) =>
      (await pg.run<{ name: string }>({ sql: PG_LIST_FIELD_INDEXES, params: [prefix] }))
        .map((r) => r.name)
        .sort();
    const listed = await pg.run<{ name: string; valid: boolean }>({
      sql: PG_LIST_FIELD_INDEXES,
      params: [appIndexPrefix(BIG)],
    });
    expect(listed.every((r) => r.valid === true)).toBe(true); // built CONCURRENTLY, all finished
    const bigNames = await list(appIndexPrefix(BIG));
    const otherNames = await list(appIndexPrefix(OTHER));
    expect(bigNames).toHaveLength(4); // sku (also sorted by), meta.shelf, bucket, l.0
    expect(otherNames).toHaveLength(1);
    for (const name of bigNames) await pg.sql.unsafe(pgDropFieldIndexSql(name));
    expect(await list(appIndexPrefix(BIG))).toEqual([]);
    expect(await list(appIndexPrefix(OTHER))).toEqual(otherNames);
    expect(() => pgDropFieldIndexSql('app_docs_f_1"; DROP TABLE app_docs; --')).toThrow("unchecked");
    expect(() => pgFieldIndexSql("app'; --", "big", '$."sku"')).toThrow("unchecked");
    expect(() => pgFieldIndexSql(BIG, "big", "$.sku') --")).toThrow("unchecked");
  });
});
