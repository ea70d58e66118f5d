/**
 * The statements of `fazt.app.ds` per engine, from a parsed query: the one
 * place ds.ts's SQL differs by dialect. SQLite's are written here over its
 * JSON text (query-sqlite.ts); PostgreSQL's come from query-pg-statements.ts.
 */
import type { Engine } from "../db/index.ts";
import type { Params } from "./common.ts";
import type { FieldRef } from "./fields.ts";
import type { Indexed, ParsedQuery, Sql } from "./query.ts";
import { extractSql } from "./query.ts";
import {
  PG_INSERT_DOC,
  PG_WRITE_DOC,
  type PgTarget,
  pgCountSql,
  pgDeleteSql,
  pgFindSql,
  pgSelectForUpdateSql,
} from "./query-pg-statements.ts";

export interface DocFindOptions {
  sort: readonly (readonly [FieldRef, 1 | -1])[];
  limit: number;
  offset: number;
}

export interface DocStatements {
  /** app id, scope, collection, id, data, created at, updated at; nothing on a duplicate id. */
  insert: string;
  /** data, updated at, app id, scope, collection, id. */
  write: string;
  find(t: PgTarget, q: ParsedQuery, indexed: Indexed, o: DocFindOptions): Sql;
  count(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql;
  delete(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql;
  /** `id, data` of the matches, to be rewritten in the same transaction. */
  selectForUpdate(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql;
}

const SCOPE = "app_id = ? AND scope = ? AND collection = ?";

function sqliteWhere(t: PgTarget, q: ParsedQuery, indexed: Indexed): Sql {
  const cond = q.compile(indexed);
  return { sql: `${SCOPE} AND ${cond.sql}`, params: [t.appId, t.scope, t.collection, ...cond.params] };
}

const SQLITE: DocStatements = {
  insert: `INSERT INTO app_docs (app_id, scope, collection, id, data, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  write: `UPDATE app_docs SET data = ?, updated_at = ?
  WHERE app_id = ? AND scope = ? AND collection = ? AND id = ?`,
  find(t, q, indexed, o) {
    const w = sqliteWhere(t, q, indexed);
    const order: Sql[] = o.sort.map(([ref, dir]) => {
      const x = extractSql(indexed, ref);
      return { sql: `${x.sql} ${dir === 1 ? "ASC" : "DESC"}`, params: x.params };
    });
    // Newest first. With an equality on an indexed field, `+` keeps SQLite from walking the
    // creation-time index for the order (scanning the whole collection) instead of the field's.
    const byField = [...q.equalities].some(indexed);
    order.push({
      sql: byField ? "+created_at DESC, +rowid DESC" : "created_at DESC, rowid DESC",
      params: [],
    });
    const params: Params = [...w.params, ...order.flatMap((x) => x.params), o.limit, o.offset];
    return {
      sql: `SELECT id, data, created_at, updated_at FROM app_docs WHERE ${w.sql} ORDER BY ${order.map((x) => x.sql).join(", ")} LIMIT ? OFFSET ?`,
      params,
    };
  },
  count(t, q, indexed) {
    const w = sqliteWhere(t, q, indexed);
    return { sql: `SELECT count(*) AS n FROM app_docs WHERE ${w.sql}`, params: w.params };
  },
  delete(t, q, indexed) {
    const w = sqliteWhere(t, q, indexed);
    return { sql: `DELETE FROM app_docs WHERE ${w.sql}`, params: w.params };
  },
  selectForUpdate(t, q, indexed) {
    const w = sqliteWhere(t, q, indexed);
    return { sql: `SELECT id, data FROM app_docs WHERE ${w.sql}`, params: w.params };
  },
};

const POSTGRES: DocStatements = {
  insert: PG_INSERT_DOC,
  write: PG_WRITE_DOC,
  find: pgFindSql,
  count: pgCountSql,
  delete: pgDeleteSql,
  selectForUpdate: pgSelectForUpdateSql,
};

export function docStatements(engine: Engine): DocStatements {
  return engine.dialect === "sqlite" ? SQLITE : POSTGRES;
}
