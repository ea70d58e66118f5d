import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";

/**
 * Failure counters in `login_attempts`, one row per key: `ip:…` and
 * `account:…` for password sign-ins, `key-ip:…` for API keys (their own
 * space, so failed sign-ins never block a valid key from the same address).
 * 5 failures in a 15-minute window lock the key for 15 minutes.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

interface Row {
  key: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
}

function rateLimited(until: number, now: number): FaztError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  return new FaztError(
    "RATE_LIMITED",
    `too many failed attempts: try again in ${Math.ceil(seconds / 60)} min`,
    {
      headers: { "retry-after": String(seconds) },
    },
  );
}

function readRows(store: Store, keys: string[]): Array<Row | null> {
  const get = store.sqlite.query<Row, [string]>("SELECT * FROM login_attempts WHERE key = ?");
  return keys.map((key) => get.get(key));
}

/** The latest lock among `rows` still in force at `now`, or 0. */
function lockedUntil(rows: Array<Row | null>, now: number): number {
  let until = 0;
  for (const row of rows)
    if (row?.locked_until && row.locked_until > now) until = Math.max(until, row.locked_until);
  return until;
}

/** Adds one failure to each key's window; the fifth locks it for a window. Call inside a transaction. */
function countFailure(store: Store, keys: string[], rows: Array<Row | null>, now: number): void {
  const upsert = store.sqlite.query(
    `INSERT INTO login_attempts (key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (key) DO UPDATE SET failures = ?2, window_start = ?3, locked_until = ?4`,
  );
  keys.forEach((key, i) => {
    const row = rows[i];
    const fresh = !row || now - row.window_start > WINDOW_MS;
    const failures = fresh ? 1 : row.failures + 1;
    upsert.run(
      key,
      failures,
      fresh ? now : row.window_start,
      failures >= MAX_FAILURES ? now + WINDOW_MS : null,
    );
  });
}

/**
 * Takes one attempt's slot on every key before the password is checked, in
 * one IMMEDIATE transaction: 429 (with Retry-After) while any key is locked,
 * else the attempt is counted as a failure up front — the fifth locks. So
 * however many guesses arrive at once, at most 5 per window reach the
 * password check. A right password gives its slot back (`giveBackAttempt`).
 */
export function takeAttempt(store: Store, keys: string[], now = Date.now()): void {
  store.sqlite
    .transaction(() => {
      const rows = readRows(store, keys);
      const until = lockedUntil(rows, now);
      if (until > now) throw rateLimited(until, now);
      countFailure(store, keys, rows, now);
    })
    .immediate();
}

/** Undoes `takeAttempt` on `keys` after a success: one failure fewer, and no lock below the limit. */
export function giveBackAttempt(store: Store, keys: string[]): void {
  const update = store.sqlite.query(
    `UPDATE login_attempts SET failures = max(failures - 1, 0),
       locked_until = CASE WHEN failures - 1 < ?2 THEN NULL ELSE locked_until END
     WHERE key = ?1`,
  );
  store.sqlite.transaction(() => {
    for (const key of keys) update.run(key, MAX_FAILURES);
  })();
}

/** Refuses (429 with Retry-After) while any of `keys` is locked. For checks with no await between check and count. */
export function assertNotLocked(store: Store, keys: string[], now = Date.now()): void {
  const until = lockedUntil(readRows(store, keys), now);
  if (until > now) throw rateLimited(until, now);
}

/** Counts one failure against each key (API keys: checked synchronously, so nothing interleaves). */
export function recordFailure(store: Store, keys: string[], now = Date.now()): void {
  store.sqlite.transaction(() => countFailure(store, keys, readRows(store, keys), now)).immediate();
}

/** A successful sign-in clears the account's counter. */
export function clearFailures(store: Store, key: string): void {
  store.sqlite.query("DELETE FROM login_attempts WHERE key = ?").run(key);
}
