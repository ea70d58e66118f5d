/**
 * Read-only views of an app's storage for the admin API (docs/admin-api.md, the Storage
 * screen): counts, and pages of kv entries, documents and s3 objects in one
 * scope ("" app-wide, or a user id). Every statement is fixed text binding the
 * app and the scope; a document query goes through the same compiler as
 * `fazt.app.ds` (query.ts). Unlike `ds.find`, browsing never creates field
 * indexes: looking at an app's data does not change its database.
 */
import type { Engine, Store } from "../db/index.ts";
import { byCodePoint, engineOf, prefixParam, startsWith, unmatchable } from "./common.ts";
import { checkCollection, type Doc, type DocRow, toDoc } from "./ds.ts";
import { docStatements } from "./ds-sql.ts";
import { hasFieldIndex } from "./indexes.ts";
import { parseQuery } from "./query.ts";

export interface Page {
  limit: number;
  offset: number;
}

export interface StorageOverview {
  kv: { count: number };
  ds: Array<{ collection: string; count: number }>;
  s3: { count: number; bytes: number };
  /** Users with per-user data in this app (whatever the scope asked for). */
  users: Array<{ id: string; email?: string; name?: string }>;
}

const LIVE = "(expires_at IS NULL OR expires_at > ?)";

/** Counts and sums as numbers (PostgreSQL answers `sum` of bigints as numeric text). */
const num = (v: number | string | null | undefined): number => Number(v ?? 0);

export function storageOverview(db: Store | Engine, appId: string, scope: string): StorageOverview {
  const engine = engineOf(db);
  const now = Date.now();
  const kv = engine.get<{ n: number }>(
    `SELECT count(*) AS n FROM app_kv WHERE app_id = ? AND scope = ? AND ${LIVE}`,
    [appId, scope, now],
  );
  const ds = engine.all<{ collection: string; n: number }>(
    `SELECT collection, count(*) AS n FROM app_docs WHERE app_id = ? AND scope = ? GROUP BY collection ORDER BY ${byCodePoint(engine, "collection")}`,
    [appId, scope],
  );
  const s3 = engine.get<{ n: number; bytes: number | string | null }>(
    "SELECT count(*) AS n, sum(size) AS bytes FROM app_blobs WHERE app_id = ? AND scope = ?",
    [appId, scope],
  );
  const users = engine.all<{ id: string; email: string | null; name: string | null }>(
    `SELECT s.scope AS id, u.email, u.name FROM (
       SELECT scope FROM app_kv WHERE app_id = ? AND scope <> ''
       UNION SELECT scope FROM app_docs WHERE app_id = ? AND scope <> ''
       UNION SELECT scope FROM app_blobs WHERE app_id = ? AND scope <> ''
     ) s LEFT JOIN users u ON u.id = s.scope ORDER BY ${byCodePoint(engine, "s.scope")}`,
    [appId, appId, appId],
  );
  return {
    kv: { count: num(kv?.n) },
    ds: ds.map((r) => ({ collection: r.collection, count: num(r.n) })),
    s3: { count: num(s3?.n), bytes: num(s3?.bytes) },
    users: users.map((u) => ({
      id: u.id,
      ...(u.email === null ? {} : { email: u.email }),
      ...(u.name === null ? {} : { name: u.name }),
    })),
  };
}

export interface KvRow {
  key: string;
  value: unknown;
  expiresAt: number | null;
}

/** Live kv entries whose key starts with `prefix` (taken literally), by key. */
export function kvPage(
  db: Store | Engine,
  appId: string,
  scope: string,
  prefix: string,
  page: Page,
): { rows: KvRow[]; total: number } {
  const engine = engineOf(db);
  if (unmatchable(prefix)) return { rows: [], total: 0 };
  const where = `app_id = ? AND scope = ? AND ${startsWith(engine, "key")} AND ${LIVE}`;
  const args = [appId, scope, prefixParam(engine, prefix), Date.now()];
  const rows = engine.all<{ key: string; value: string; expires_at: number | null }>(
    `SELECT key, value, expires_at FROM app_kv WHERE ${where} ORDER BY ${byCodePoint(engine, "key")} LIMIT ? OFFSET ?`,
    [...args, page.limit, page.offset],
  );
  const total = engine.get<{ n: number }>(`SELECT count(*) AS n FROM app_kv WHERE ${where}`, args);
  return {
    rows: rows.map((r) => ({ key: r.key, value: JSON.parse(r.value), expiresAt: r.expires_at })),
    total: num(total?.n),
  };
}

/**
 * Documents of a collection matching `query` (the ds query language; a bad one
 * is VALIDATION_FAILED naming the problem), newest first.
 */
export function dsPage(
  db: Store | Engine,
  appId: string,
  scope: string,
  collection: string,
  query: unknown,
  page: Page,
): { rows: Doc[]; total: number } {
  const engine = engineOf(db);
  const col = checkCollection(collection);
  const q = parseQuery(query ?? {});
  const indexed = (path: string) => hasFieldIndex(engine, appId, col, path);
  const sql = docStatements(engine);
  const target = { appId, scope, collection: col };
  const find = sql.find(target, q, indexed, { sort: [], limit: page.limit, offset: page.offset });
  const count = sql.count(target, q, indexed);
  const rows = engine.all<DocRow>(find.sql, find.params);
  const total = engine.get<{ n: number }>(count.sql, count.params);
  return { rows: rows.map(toDoc), total: num(total?.n) };
}

export interface S3Row {
  path: string;
  mime: string;
  size: number;
  updatedAt: number;
}

/** Objects whose path starts with `prefix` (taken literally), by path; metadata only. */
export function s3Page(
  db: Store | Engine,
  appId: string,
  scope: string,
  prefix: string,
  page: Page,
): { rows: S3Row[]; total: number } {
  const engine = engineOf(db);
  if (unmatchable(prefix)) return { rows: [], total: 0 };
  const where = `app_id = ? AND scope = ? AND ${startsWith(engine, "path")}`;
  const args = [appId, scope, prefixParam(engine, prefix)];
  const rows = engine.all<{ path: string; mime: string; size: number; updated_at: number }>(
    `SELECT path, mime, size, updated_at FROM app_blobs WHERE ${where} ORDER BY ${byCodePoint(engine, "path")} LIMIT ? OFFSET ?`,
    [...args, page.limit, page.offset],
  );
  const total = engine.get<{ n: number }>(`SELECT count(*) AS n FROM app_blobs WHERE ${where}`, args);
  return {
    rows: rows.map((r) => ({ path: r.path, mime: r.mime, size: r.size, updatedAt: r.updated_at })),
    total: num(total?.n),
  };
}
