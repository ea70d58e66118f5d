/**
 * An app's environment (`fazt app env`, `fazt.env` in app code): string
 * values by key in `app_env`, read whole by the sandbox on each request (so a
 * change takes effect on the next request) and never listed back in full.
 */
import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";

export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const ENV_KEY_RULE = "letters, digits and _, not starting with a digit, at most 128";
/** Names that plain JavaScript objects treat specially: refused rather than silently lost. */
export const RESERVED_ENV_KEYS: ReadonlySet<string> = new Set(["__proto__", "prototype", "constructor"]);
/** Largest value, in UTF-8 bytes. */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;
export const MAX_ENV_KEYS = 200;
/** Values shorter than this (in characters) are previewed as "•••" only. */
export const ENV_PREVIEW_MIN_CHARS = 8;

/** What listing shows of one value: never the value itself. */
export interface EnvEntry {
  key: string;
  /** `"sk…"` (the first 2 characters) for values of 8+ characters, else `"•••"`. */
  preview: string;
  /** The value's length in characters for values of 8+ characters; null for shorter ones. */
  length: number | null;
  updatedAt: number;
}

const encoder = new TextEncoder();

/** `"sk…"` and the length for a long value; `"•••"` alone for a short one (its length would say too much). */
export function previewOf(value: string): { preview: string; length: number | null } {
  const chars = Array.from(value);
  if (chars.length < ENV_PREVIEW_MIN_CHARS) return { preview: "•••", length: null };
  return { preview: `${chars.slice(0, 2).join("")}…`, length: chars.length };
}

export function assertEnvKey(key: string): void {
  if (RESERVED_ENV_KEYS.has(key)) {
    throw new FaztError("VALIDATION_FAILED", `env key "${key}" is reserved`, {
      details: [{ field: key, message: "is reserved" }],
    });
  }
  if (!ENV_KEY_PATTERN.test(key)) {
    throw new FaztError(
      "VALIDATION_FAILED",
      `env key "${key}" is not valid: use ${ENV_KEY_RULE} characters`,
      {
        details: [{ field: key, message: `must be ${ENV_KEY_RULE} characters` }],
      },
    );
  }
}

function assertEnvValue(key: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new FaztError("VALIDATION_FAILED", `env value of "${key}" must be a string`, {
      details: [{ field: key, message: "must be a string" }],
    });
  }
  if (value.length * 3 > MAX_ENV_VALUE_BYTES && encoder.encode(value).byteLength > MAX_ENV_VALUE_BYTES) {
    throw new FaztError(
      "VALIDATION_FAILED",
      `env value of "${key}" is larger than ${MAX_ENV_VALUE_BYTES} bytes`,
      { details: [{ field: key, message: `must be at most ${MAX_ENV_VALUE_BYTES} bytes` }] },
    );
  }
}

/**
 * Sets and removes keys in one transaction: either all of it applies or
 * nothing does. The same key in both, a bad key or value, or more than
 * MAX_ENV_KEYS keys afterwards: VALIDATION_FAILED naming the key.
 */
export function updateEnv(
  store: Store,
  appId: string,
  change: { set?: Record<string, string> | undefined; unset?: readonly string[] | undefined },
  now = Date.now(),
): void {
  const set = Object.entries(change.set ?? {});
  const unset = [...new Set(change.unset ?? [])];
  for (const [key, value] of set) {
    assertEnvKey(key);
    assertEnvValue(key, value);
  }
  for (const key of unset) {
    assertEnvKey(key);
    if (Object.hasOwn(change.set ?? {}, key)) {
      throw new FaztError("VALIDATION_FAILED", `env key "${key}" is both set and unset`, {
        details: [{ field: key, message: "both set and unset" }],
      });
    }
  }
  if (set.length === 0 && unset.length === 0) return;
  const db = store.sqlite;
  const upsert = db.query(
    `INSERT INTO app_env (app_id, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (app_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  const remove = db.query("DELETE FROM app_env WHERE app_id = ? AND key = ?");
  db.transaction(() => {
    for (const key of unset) remove.run(appId, key);
    for (const [key, value] of set) upsert.run(appId, key, value, now);
    const n =
      db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM app_env WHERE app_id = ?").get(appId)?.n ??
      0;
    if (n > MAX_ENV_KEYS) {
      throw new FaztError(
        "VALIDATION_FAILED",
        `an app has at most ${MAX_ENV_KEYS} env keys (this would make ${n})`,
      );
    }
  }).immediate();
}

/** Sets `vars` (adding or replacing keys); see `updateEnv`. */
export function setEnv(store: Store, appId: string, vars: Record<string, string>, now = Date.now()): void {
  updateEnv(store, appId, { set: vars }, now);
}

/** Removes `keys` (missing ones are ignored); see `updateEnv`. */
export function unsetEnv(store: Store, appId: string, keys: readonly string[]): void {
  updateEnv(store, appId, { unset: keys });
}

/** The whole environment, values included: for the sandbox only, never for an API answer. */
export function readEnv(store: Store, appId: string): Record<string, string> {
  const rows = store.engine.all<{ key: string; value: string }>(
    "SELECT key, value FROM app_env WHERE app_id = ? ORDER BY key",
    [appId],
  );
  const env: Record<string, string> = Object.create(null);
  for (const r of rows) env[r.key] = r.value;
  return env;
}

/** Keys with previews, sorted by key: what `GET /api/apps/NAME/env` answers. */
export function listEnv(store: Store, appId: string): EnvEntry[] {
  return store.sqlite
    .query<{ key: string; value: string; updated_at: number }, [string]>(
      "SELECT key, value, updated_at FROM app_env WHERE app_id = ? ORDER BY key",
    )
    .all(appId)
    .map((r) => ({ key: r.key, ...previewOf(r.value), updatedAt: r.updated_at }));
}
