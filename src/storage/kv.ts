/**
 * `fazt.app.kv`: JSON values under string keys, with an optional time to
 * live. Expired entries are invisible at once and deleted lazily (on `get`,
 * or by `sweepExpiredKv`).
 */
import type { Engine, Store } from "../db/index.ts";
import {
  byCodePoint,
  checkNoNul,
  checkPrefix,
  encodeJson,
  engineOf,
  invalid,
  now,
  prefixParam,
  type StorageScope,
  startsWith,
  unmatchable,
} from "./common.ts";

export const MAX_KEY_LENGTH = 512;

export interface KvEntry {
  key: string;
  value: unknown;
  /** Milliseconds since the epoch; present only when the entry has a TTL. */
  expiresAt?: number;
}

export interface Kv {
  /** Stores `value` (any JSON value) under `key`; with `ttlMs` it expires that many milliseconds from now. */
  set(key: string, value: unknown, ttlMs?: number | null): void;
  /** The value, or `undefined` when missing or expired. */
  get(key: string): unknown;
  /** Whether a (live) entry was removed. */
  delete(key: string): boolean;
  /** Live entries whose key starts with `prefix` (taken literally), sorted by key. */
  list(prefix?: string): KvEntry[];
}

function checkKey(key: unknown): string {
  if (typeof key !== "string") throw invalid("kv key must be a string");
  if (key.length === 0) throw invalid("kv key must not be empty");
  if (key.length > MAX_KEY_LENGTH) throw invalid(`kv key is longer than ${MAX_KEY_LENGTH} characters`);
  return checkNoNul(key, "kv key");
}

function checkTtl(ttl: unknown): number | null {
  if (ttl === undefined || ttl === null) return null;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    throw invalid("kv ttl must be a positive number of milliseconds");
  }
  return Math.ceil(ttl);
}

const SET = `INSERT INTO app_kv (app_id, scope, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (app_id, scope, key) DO UPDATE SET
    value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at`;
const GET = "SELECT value, expires_at FROM app_kv WHERE app_id = ? AND scope = ? AND key = ?";
const DROP_EXPIRED = "DELETE FROM app_kv WHERE app_id = ? AND scope = ? AND key = ? AND expires_at <= ?";
const DELETE = "DELETE FROM app_kv WHERE app_id = ? AND scope = ? AND key = ? RETURNING expires_at";
const listSql = (engine: Engine) =>
  `SELECT key, value, expires_at FROM app_kv
  WHERE app_id = ? AND scope = ? AND ${startsWith(engine, "key")} AND (expires_at IS NULL OR expires_at > ?)
  ORDER BY ${byCodePoint(engine, "key")}`;

interface Row {
  value: string;
  expires_at: number | null;
}

export function createKv({ engine, appId, scope }: StorageScope): Kv {
  const LIST = listSql(engine);
  return {
    set(key, value, ttlMs) {
      const k = checkKey(key);
      const ttl = checkTtl(ttlMs);
      const text = encodeJson(value, "kv value");
      const t = now();
      engine.run(SET, [appId, scope, k, text, ttl === null ? null : t + ttl, t]);
    },
    get(key) {
      const k = checkKey(key);
      const row = engine.get<Row>(GET, [appId, scope, k]);
      if (!row) return undefined;
      const t = now();
      if (row.expires_at !== null && row.expires_at <= t) {
        // Only if still expired: a concurrent `set` may have renewed it.
        engine.run(DROP_EXPIRED, [appId, scope, k, t]);
        return undefined;
      }
      return JSON.parse(row.value);
    },
    delete(key) {
      const k = checkKey(key);
      const row = engine.get<{ expires_at: number | null }>(DELETE, [appId, scope, k]);
      return row !== null && (row.expires_at === null || row.expires_at > now());
    },
    list(prefix) {
      const p = checkPrefix(prefix, MAX_KEY_LENGTH);
      if (unmatchable(p)) return [];
      const rows = engine.all<Row & { key: string }>(LIST, [appId, scope, prefixParam(engine, p), now()]);
      return rows.map((r) => {
        const entry: KvEntry = { key: r.key, value: JSON.parse(r.value) };
        if (r.expires_at !== null) entry.expiresAt = r.expires_at;
        return entry;
      });
    },
  };
}

/** Deletes expired entries of every app (housekeeping); returns how many. */
export function sweepExpiredKv(db: Store | Engine, at = now()): number {
  return engineOf(db).run("DELETE FROM app_kv WHERE expires_at IS NOT NULL AND expires_at <= ?", [at])
    .changes;
}
