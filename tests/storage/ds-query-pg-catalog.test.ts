/**
 * indexes.ts's bookkeeping (caps per collection, declined fields not asked
 * again, dropping by app) over PostgreSQL's catalog (`pgFieldIndexCatalog`),
 * through a synchronous engine: `psql` as a process, one call each, until the
 * Engine of src/db carries the document store.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  appIndexPrefix,
  dropFieldIndexes,
  ensureFieldIndexes,
  forgetFieldIndexes,
  hasFieldIndex,
  MAX_FIELD_INDEXES,
} from "../../src/storage/indexes.ts";
import {
  PG_LIST_FIELD_INDEXES,
  type PgIndexEngine,
  pgFieldIndexCatalog,
  pgFieldIndexSql,
} from "../../src/storage/indexes-pg.ts";
import { requireTool } from "../helpers/tools.ts";
import { openPgDocs, type PgDocs, requirePg } from "./pg-docs.ts";

const enabled =
  requirePg() && requireTool("psql", "PostgreSQL's client (Debian: apt-get install postgresql-client)");

/** A synchronous engine of one `psql` process per call; `?` become psql variables (quoted by psql). */
function psqlEngine(url: string): PgIndexEngine & { calls: string[] } {
  const calls: string[] = [];
  const run = (sql: string, params: readonly (string | number)[] = []): string => {
    calls.push(sql);
    let i = 0;
    const text = sql.replace(/\?/g, () => `:'p${++i}'`);
    const vars = params.flatMap((p, k) => ["-v", `p${k + 1}=${p}`]);
    const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", ...vars, url], {
      input: `${text};\n`,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    return r.stdout;
  };
  return {
    calls,
    all<T>(sql: string, params?: readonly (string | number)[]) {
      const [header, ...lines] = run(sql, params).trim().split("\n");
      if (!header) return [];
      const names = header.split(",");
      return lines.map((line) => {
        const cells = line.split(",");
        return Object.fromEntries(
          names.map((n, i) => [n, cells[i] === "t" ? true : cells[i] === "f" ? false : cells[i]]),
        );
      }) as T[];
    },
    exec(sql: string) {
      run(sql);
    },
  };
}

describe.skipIf(!enabled)("field index bookkeeping on PostgreSQL", () => {
  let pg: PgDocs;
  beforeAll(async () => {
    pg = await openPgDocs("dscatalog");
  });
  afterAll(async () => {
    await pg?.close();
  });

  test("16 per collection, the rest declined without asking again; a failed build made again; dropped by app", async () => {
    const engine = psqlEngine(pg.url);
    const catalog = pgFieldIndexCatalog(engine);
    const app = "app_catalog";
    const other = "app_other";
    const paths = Array.from({ length: 20 }, (_, i) => `$."f${i}"`);
    ensureFieldIndexes(catalog, app, "c", paths);
    expect(paths.filter((p) => hasFieldIndex(catalog, app, "c", p))).toHaveLength(MAX_FIELD_INDEXES);
    const calls = engine.calls.length;
    ensureFieldIndexes(catalog, app, "c", paths); // each one known or declined: no SQL
    expect(engine.calls.length).toBe(calls);
    ensureFieldIndexes(catalog, app, "d", ['$."f0"', '$."l"[0]']);
    ensureFieldIndexes(catalog, other, "c", ['$."f0"']);
    expect(hasFieldIndex(catalog, app, "d", '$."l"[0]')).toBe(true);

    // An interrupted CREATE INDEX CONCURRENTLY leaves the index invalid: left out, then made again.
    const broken = pgFieldIndexSql(app, "d", '$."f0"').name;
    await pg.sql.unsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '"${broken}"'::regclass`);
    forgetFieldIndexes(catalog);
    expect(hasFieldIndex(catalog, app, "d", '$."f0"')).toBe(false);
    ensureFieldIndexes(catalog, app, "d", ['$."f0"']);
    expect(hasFieldIndex(catalog, app, "d", '$."f0"')).toBe(true);
    const listed = await pg.run<{ name: string; valid: boolean }>({
      sql: PG_LIST_FIELD_INDEXES,
      params: [appIndexPrefix(app)],
    });
    expect(listed).toHaveLength(MAX_FIELD_INDEXES + 2);
    expect(listed.every((r) => r.valid)).toBe(true);

    expect(dropFieldIndexes(catalog, app)).toBe(MAX_FIELD_INDEXES + 2);
    expect(await pg.run({ sql: PG_LIST_FIELD_INDEXES, params: [appIndexPrefix(app)] })).toEqual([]);
    expect(await pg.run({ sql: PG_LIST_FIELD_INDEXES, params: [appIndexPrefix(other)] })).toHaveLength(1);
    expect(hasFieldIndex(catalog, other, "c", '$."f0"')).toBe(true);
  });
});
