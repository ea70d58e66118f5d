/**
 * Read-only views of an app's storage for the admin API (docs/admin-api.md, the Storage
 * screen): counts, and pages of kv entries, documents and s3 objects in one
 * scope ("" app-wide, or a user id). Every statement is fixed text binding the
 * app and the scope; a document query goes through the same compiler as
 * `fazt.app.ds` (query.ts). Unlike `ds.find`, browsing never creates field
 * indexes: looking at an app's data does not change its database.
 */
import type { Store } from "../db/index.ts";
import { prefixGlob, statement } from "./common.ts";
import { checkCollection, type Doc, type DocRow, toDoc } from "./ds.ts";
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

export function storageOverview(store: Store, appId: string, scope: string): StorageOverview {
  const db = store.sqlite;
  const now = Date.now();
  const kv = statement<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM app_kv WHERE app_id = ? AND scope = ? AND ${LIVE}`,
  ).get(appId, scope, now);
  const ds = statement<{ collection: string; n: number }>(
    db,
    "SELECT collection, count(*) AS n FROM app_docs WHERE app_id = ? AND scope = ? GROUP BY collection ORDER BY collection",
  ).all(appId, scope);
  const s3 = statement<{ n: number; bytes: number | null }>(
    db,
    "SELECT count(*) AS n, sum(size) AS bytes FROM app_blobs WHERE app_id = ? AND scope = ?",
  ).get(appId, scope);
  const users = statement<{ id: string; email: string | null; name: string | null }>(
    db,
    `SELECT s.scope AS id, u.email, u.name FROM (
       SELECT scope FROM app_kv WHERE app_id = ?1 AND scope <> ''
       UNION SELECT scope FROM app_docs WHERE app_id = ?1 AND scope <> ''
       UNION SELECT scope FROM app_blobs WHERE app_id = ?1 AND scope <> ''
     ) s LEFT JOIN users u ON u.id = s.scope ORDER BY s.scope`,
  ).all(appId);
  return {
    kv: { count: kv?.n ?? 0 },
    ds: ds.map((r) => ({ collection: r.collection, count: r.n })),
    s3: { count: s3?.n ?? 0, bytes: s3?.bytes ?? 0 },
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
  store: Store,
  appId: string,
  scope: string,
  prefix: string,
  page: Page,
): { rows: KvRow[]; total: number } {
  const db = store.sqlite;
  const now = Date.now();
  const where = `app_id = ? AND scope = ? AND key GLOB ? AND ${LIVE}`;
  const args = [appId, scope, prefixGlob(prefix), now] as const;
  const rows = statement<{ key: string; value: string; expires_at: number | null }>(
    db,
    `SELECT key, value, expires_at FROM app_kv WHERE ${where} ORDER BY key LIMIT ? OFFSET ?`,
  ).all(...args, page.limit, page.offset);
  const total = statement<{ n: number }>(db, `SELECT count(*) AS n FROM app_kv WHERE ${where}`).get(...args);
  return {
    rows: rows.map((r) => ({ key: r.key, value: JSON.parse(r.value), expiresAt: r.expires_at })),
    total: total?.n ?? 0,
  };
}

/**
 * Documents of a collection matching `query` (the ds query language; a bad one
 * is VALIDATION_FAILED naming the problem), newest first.
 */
export function dsPage(
  store: Store,
  appId: string,
  scope: string,
  collection: string,
  query: unknown,
  page: Page,
): { rows: Doc[]; total: number } {
  const db = store.sqlite;
  const col = checkCollection(collection);
  const cond = parseQuery(query ?? {}).compile((path) => hasFieldIndex(db, appId, col, path));
  const where = `app_id = ? AND scope = ? AND collection = ? AND ${cond.sql}`;
  const args = [appId, scope, col, ...cond.params];
  const rows = statement<DocRow>(
    db,
    `SELECT id, data, created_at, updated_at FROM app_docs WHERE ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
  ).all(...args, page.limit, page.offset);
  const total = statement<{ n: number }>(db, `SELECT count(*) AS n FROM app_docs WHERE ${where}`).get(
    ...args,
  );
  return { rows: rows.map(toDoc), total: total?.n ?? 0 };
}

export interface S3Row {
  path: string;
  mime: string;
  size: number;
  updatedAt: number;
}

/** Objects whose path starts with `prefix` (taken literally), by path; metadata only. */
export function s3Page(
  store: Store,
  appId: string,
  scope: string,
  prefix: string,
  page: Page,
): { rows: S3Row[]; total: number } {
  const db = store.sqlite;
  const where = "app_id = ? AND scope = ? AND path GLOB ?";
  const args = [appId, scope, prefixGlob(prefix)] as const;
  const rows = statement<{ path: string; mime: string; size: number; updated_at: number }>(
    db,
    `SELECT path, mime, size, updated_at FROM app_blobs WHERE ${where} ORDER BY path LIMIT ? OFFSET ?`,
  ).all(...args, page.limit, page.offset);
  const total = statement<{ n: number }>(db, `SELECT count(*) AS n FROM app_blobs WHERE ${where}`).get(
    ...args,
  );
  return {
    rows: rows.map((r) => ({ path: r.path, mime: r.mime, size: r.size, updatedAt: r.updated_at })),
    total: total?.n ?? 0,
  };
}
