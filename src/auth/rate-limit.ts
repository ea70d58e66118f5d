import { FaztError } from "../core/index.ts";
import { type AccountsDb, lockNames } from "./db.ts";

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

function readRows(store: AccountsDb, keys: string[]): Array<Row | null> {
  return keys.map((key) => store.engine.get<Row>("SELECT * FROM login_attempts WHERE key = ?", [key]));
}

/** The latest lock among `rows` still in force at `now`, or 0. */
function lockedUntil(rows: Array<Row | null>, now: number): number {
  let until = 0;
  for (const row of rows)
    if (row?.locked_until && row.locked_until > now) until = Math.max(until, row.locked_until);
  return until;
}

/** Adds one failure to each key's window; the fifth locks it for a window. Call inside a transaction. */
function countFailure(store: AccountsDb, keys: string[], rows: Array<Row | null>, now: number): void {
  keys.forEach((key, i) => {
    const row = rows[i];
    const fresh = !row || now - row.window_start > WINDOW_MS;
    const failures = fresh ? 1 : row.failures + 1;
    store.engine.run(
      `INSERT INTO login_attempts (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
         locked_until = excluded.locked_until`,
      [key, failures, fresh ? now : row.window_start, failures >= MAX_FAILURES ? now + WINDOW_MS : null],
    );
  });
}

/**
 * Takes one attempt's slot on every key before the password is checked, in
 * one IMMEDIATE transaction (on PostgreSQL, under an advisory lock per key:
 * db.ts `lockNames`): 429 (with Retry-After) while any key is locked,
 * else the attempt is counted as a failure up front — the fifth locks. So
 * however many guesses arrive at once, at most 5 per window reach the
 * password check. A right password gives its slot back (`giveBackAttempt`).
 */
export function takeAttempt(store: AccountsDb, keys: string[], now = Date.now()): void {
  store.engine.transaction(
    () => {
      lockNames(store.engine, keys);
      const rows = readRows(store, keys);
      const until = lockedUntil(rows, now);
      if (until > now) throw rateLimited(until, now);
      countFailure(store, keys, rows, now);
    },
    { immediate: true },
  );
}

/** Undoes `takeAttempt` on `keys` after a success: one failure fewer, and no lock below the limit. */
export function giveBackAttempt(store: AccountsDb, keys: string[]): void {
  store.engine.transaction(() => {
    // Under the same locks as takeAttempt: a slot it is taking is never written over by this one.
    lockNames(store.engine, keys);
    for (const key of keys) {
      store.engine.run(
        `UPDATE login_attempts SET failures = CASE WHEN failures > 1 THEN failures - 1 ELSE 0 END,
           locked_until = CASE WHEN failures - 1 < ? THEN NULL ELSE locked_until END
         WHERE key = ?`,
        [MAX_FAILURES, key],
      );
    }
  });
}

/** Refuses (429 with Retry-After) while any of `keys` is locked. For checks with no await between check and count. */
export function assertNotLocked(store: AccountsDb, keys: string[], now = Date.now()): void {
  const until = lockedUntil(readRows(store, keys), now);
  if (until > now) throw rateLimited(until, now);
}

/** Counts one failure against each key (API keys: checked synchronously, so nothing interleaves). */
export function recordFailure(store: AccountsDb, keys: string[], now = Date.now()): void {
  store.engine.transaction(
    () => {
      lockNames(store.engine, keys);
      countFailure(store, keys, readRows(store, keys), now);
    },
    { immediate: true },
  );
}

/** A successful sign-in clears the account's counter. */
export function clearFailures(store: AccountsDb, key: string): void {
  store.engine.run("DELETE FROM login_attempts WHERE key = ?", [key]);
}

/** Removes counters whose window is over an hour old and that lock nothing (housekeeping). */
export function sweepLoginAttempts(store: AccountsDb, now = Date.now()): number {
  return store.engine.run(
    "DELETE FROM login_attempts WHERE window_start <= ? AND coalesce(locked_until, 0) <= ?",
    [now - 60 * 60 * 1000, now],
  ).changes;
}
