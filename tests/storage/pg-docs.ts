/**
 * The document store's queries on a real PostgreSQL, for tests that compare
 * both engines, until the synchronous Engine of src/db carries them: an
 * async adapter over Bun.SQL that runs the statements of
 * src/storage/query-pg-statements.ts (`?` placeholders turned into `$n`).
 *
 * The server comes from tests/helpers/postgres.ts. Each `openPgDocs` makes its own
 * database with an ICU English default collation (not C), so a comparison
 * that leaned on the database's collation would show, and drops it at close.
 */

import type { Database } from "bun:sqlite";
import { SQL } from "bun";
import { parseField } from "../../src/storage/fields.ts";
import { FIELD_INDEX_PREFIX, PG_LIST_FIELD_INDEXES, pgFieldIndexSql } from "../../src/storage/indexes-pg.ts";
import { parseQuery, type Sql } from "../../src/storage/query.ts";
import {
  PG_INSERT_DOC,
  type PgTarget,
  pgCountSql,
  pgDeleteSql,
  pgFindSql,
} from "../../src/storage/query-pg-statements.ts";
import { adminUrl, postgresAvailable } from "../helpers/postgres.ts";

/**
 * Whether the PostgreSQL tests run: the test server of tests/helpers/postgres.ts
 * (FAZT_TEST_PG_URL, or a throwaway cluster); throws under CI without one,
 * false (skip) on a dev machine without PostgreSQL.
 */
export function requirePg(): boolean {
  return postgresAvailable();
}

/** The app_docs table as the PostgreSQL schema has it (see query-pg-statements.ts). */
const SCHEMA = `
CREATE TABLE app_docs (
  app_id text NOT NULL,
  scope text NOT NULL DEFAULT '',
  collection text NOT NULL,
  id text NOT NULL,
  data text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  rowid bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (app_id, scope, collection, id)
);
CREATE INDEX app_docs_created_idx ON app_docs (app_id, scope, collection, created_at);`;

/** `?` → `$n`, outside quoted literals and identifiers. */
export function numbered(sql: string): string {
  let n = 0;
  let quote = "";
  let out = "";
  for (const c of sql) {
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "?") {
      out += `$${++n}`;
      continue;
    }
    out += c;
  }
  return out;
}

export interface PgRow {
  id: string;
  data: string;
  created_at: number;
  updated_at: number;
}

export interface PgDocs {
  sql: SQL;
  /** The URL of this test database. */
  url: string;
  run<T = Record<string, unknown>>(s: Sql): Promise<T[]>;
  /** Copies app_docs rows of a SQLite database (in rowid order, as `db copy` would). */
  copyFrom(sqlite: Database, appId: string): Promise<void>;
  /** Makes the field indexes a query or sort would (as ensureFieldIndexes does), returns the indexed test. */
  indexed(t: PgTarget, paths: Iterable<string>): Promise<(path: string) => boolean>;
  find(
    t: PgTarget,
    query: unknown,
    options?: { sort?: Record<string, 1 | -1>; limit?: number; offset?: number },
  ): Promise<PgRow[]>;
  count(t: PgTarget, query: unknown): Promise<number>;
  delete(t: PgTarget, query: unknown): Promise<number>;
  explain(s: Sql): Promise<string>;
  close(): Promise<void>;
}

export async function openPgDocs(label: string): Promise<PgDocs> {
  const server = await adminUrl();
  const admin = new SQL(server, { max: 1 });
  const name = `fazt_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  try {
    await admin.unsafe(
      `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'`,
    );
  } catch (e) {
    await admin.close();
    throw new Error(
      `cannot create a test database with an ICU collation on ${server} (PostgreSQL 15+ built with ICU, as Debian's, is needed): ${(e as Error).message}`,
    );
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  const sql = new SQL(url.toString(), { max: 1 });
  await sql.unsafe(SCHEMA);

  const run = async <T>(s: Sql): Promise<T[]> =>
    [...(await sql.unsafe(numbered(s.sql), s.params as unknown[]))] as T[];
  const indexes = new Set<string>();
  const indexed: PgDocs["indexed"] = async (t, paths) => {
    for (const path of paths) {
      const ddl = pgFieldIndexSql(t.appId, t.collection, path);
      if (!indexes.has(ddl.name)) await sql.unsafe(ddl.sql);
      indexes.add(ddl.name);
    }
    const present = new Set(
      (await run<{ name: string }>({ sql: PG_LIST_FIELD_INDEXES, params: [FIELD_INDEX_PREFIX] })).map(
        (r) => r.name,
      ),
    );
    return (path) => present.has(pgFieldIndexSql(t.appId, t.collection, path).name);
  };
  const toRow = (r: Record<string, unknown>): PgRow => ({
    id: r.id as string,
    data: r.data as string,
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  });

  return {
    sql,
    url: url.toString(),
    run,
    async copyFrom(sqlite, appId) {
      const rows = sqlite
        .query<
          {
            scope: string;
            collection: string;
            id: string;
            data: string;
            created_at: number;
            updated_at: number;
          },
          [string]
        >(
          "SELECT scope, collection, id, data, created_at, updated_at FROM app_docs WHERE app_id = ? ORDER BY rowid",
        )
        .all(appId);
      await sql.begin(async (tx) => {
        for (const r of rows) {
          await tx.unsafe(numbered(PG_INSERT_DOC), [
            appId,
            r.scope,
            r.collection,
            r.id,
            r.data,
            r.created_at,
            r.updated_at,
          ]);
        }
      });
      await sql.unsafe("ANALYZE app_docs");
    },
    indexed,
    async find(t, query, options = {}) {
      const q = parseQuery(query);
      const sort = Object.entries(options.sort ?? {}).map(([k, d]) => [parseField(k), d] as const);
      const has = await indexed(t, [
        ...q.indexable,
        ...sort.flatMap(([r]) => (r.kind === "json" ? [r.path] : [])),
      ]);
      const s = pgFindSql(t, q, has, { sort, limit: options.limit ?? 1000, offset: options.offset ?? 0 });
      return (await run<Record<string, unknown>>(s)).map(toRow);
    },
    async count(t, query) {
      const q = parseQuery(query);
      const rows = await run<{ n: string }>(pgCountSql(t, q, await indexed(t, q.indexable)));
      return Number(rows[0]?.n ?? 0);
    },
    async delete(t, query) {
      const q = parseQuery(query);
      const s = pgDeleteSql(t, q, await indexed(t, q.indexable));
      const r = await sql.unsafe(numbered(s.sql), s.params as unknown[]);
      return r.count;
    },
    async explain(s) {
      const rows = await run<{ "QUERY PLAN": string }>({ sql: `EXPLAIN ${s.sql}`, params: s.params });
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    },
    async close() {
      await sql.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.close();
    },
  };
}
