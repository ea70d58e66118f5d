/**
 * The statements of `fazt.app.ds` on PostgreSQL, built from a parsed query
 * (query.ts, compiled by query-pg.ts): what ds.ts writes for SQLite.
 *
 * Schema this expects of `app_docs` on PostgreSQL: `data text` (JSON, read as
 * `data::jsonb`), times as `bigint`, and a `rowid bigint` identity column
 * (src/db/engine/pg-schema.ts): the
 * insertion order SQLite keeps in its rowid, which breaks ties of the
 * default newest-first order (two documents in the same millisecond).
 *
 * A JSON document is stored as the text `encodeJson` wrote, as on SQLite;
 * one that jsonb cannot read (a `\u0000` escape) is refused before (ds.ts).
 */
import type { Params } from "./common.ts";
import type { FieldRef } from "./fields.ts";
import { pgNameLiteral } from "./indexes-pg.ts";
import type { Indexed, ParsedQuery, Sql } from "./query.ts";
import { compilePg, pgOrderSql } from "./query-pg.ts";

/** Where a statement reaches: one app, one scope, one collection (all checked by the caller). */
export interface PgTarget {
  appId: string;
  scope: string;
  collection: string;
}

export interface PgFindOptions {
  /** Sort fields in order of precedence (checked by `parseField`). */
  sort: readonly (readonly [FieldRef, 1 | -1])[];
  limit: number;
  offset: number;
}

export const PG_INSERT_DOC = `INSERT INTO app_docs (app_id, scope, collection, id, data, created_at, updated_at)
  VALUES (?::text, ?::text, ?::text, ?::text, ?::text, ?::bigint, ?::bigint) ON CONFLICT DO NOTHING`;
export const PG_WRITE_DOC = `UPDATE app_docs SET data = ?::text, updated_at = ?::bigint
  WHERE app_id = ?::text AND scope = ?::text AND collection = ?::text AND id = ?::text`;

/**
 * The WHERE clause. When the query reads a field that has an index, the app
 * id and collection are written as literals (checked names), so the planner
 * can use the partial index in any plan (indexes-pg.ts).
 */
export function pgWhere(t: PgTarget, q: ParsedQuery, indexed: Indexed, sortPaths: string[] = []): Sql {
  const cond = compilePg(q.root);
  const literal = [...q.indexable, ...sortPaths].some(indexed);
  const scope: Sql = literal
    ? {
        sql: `app_id = ${pgNameLiteral(t.appId)} AND scope = ?::text AND collection = ${pgNameLiteral(t.collection)}`,
        params: [t.scope],
      }
    : {
        sql: "app_id = ?::text AND scope = ?::text AND collection = ?::text",
        params: [t.appId, t.scope, t.collection],
      };
  return { sql: `${scope.sql} AND ${cond.sql}`, params: [...scope.params, ...cond.params] };
}

/** `find`: the documents as JSON text, sorted, newest first after the given sort. */
export function pgFindSql(t: PgTarget, q: ParsedQuery, indexed: Indexed, options: PgFindOptions): Sql {
  const sortPaths = options.sort.flatMap(([ref]) => (ref.kind === "json" ? [ref.path] : []));
  const w = pgWhere(t, q, indexed, sortPaths);
  const order = [...options.sort.map(([ref, dir]) => pgOrderSql(ref, dir)), "created_at DESC", "rowid DESC"];
  const params: Params = [...w.params, options.limit, options.offset];
  return {
    sql: `SELECT id, data, created_at, updated_at FROM app_docs WHERE ${w.sql} ORDER BY ${order.join(", ")} LIMIT ?::bigint OFFSET ?::bigint`,
    params,
  };
}

export function pgCountSql(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql {
  const w = pgWhere(t, q, indexed);
  return { sql: `SELECT count(*) AS n FROM app_docs WHERE ${w.sql}`, params: w.params };
}

export function pgDeleteSql(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql {
  const w = pgWhere(t, q, indexed);
  return { sql: `DELETE FROM app_docs WHERE ${w.sql}`, params: w.params };
}

/**
 * `update` reads the matches under row locks, applies the plan in
 * JavaScript (ds-changes.ts, the same code as on SQLite) and writes each
 * back with PG_WRITE_DOC, in one transaction: two `$inc` at once serialise.
 */
export function pgSelectForUpdateSql(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql {
  const w = pgWhere(t, q, indexed);
  return {
    sql: `SELECT id, data FROM app_docs WHERE ${w.sql} ORDER BY rowid FOR UPDATE`,
    params: w.params,
  };
}
