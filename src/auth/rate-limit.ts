import { FaztError } from "../core/errors.ts";
import type { Store } from "../db/open.ts";

/** SPEC §7: 5 failed sign-ins per 15 minutes per IP and per account. */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;

interface Row {
  failures: number;
  window_start: number;
  locked_until: number | null;
}

/** Refuses (429 with Retry-After) while any of `keys` is locked — even the right password. */
export function assertNotLocked(store: Store, keys: string[], now = Date.now()): void {
  let until = 0;
  for (const key of keys) {
    const row = store.sqlite.query<Row, [string]>("SELECT * FROM login_attempts WHERE key = ?").get(key);
    if (row?.locked_until && row.locked_until > now) until = Math.max(until, row.locked_until);
  }
  if (until > now) {
    const seconds = Math.ceil((until - now) / 1000);
    throw new FaztError(
      "RATE_LIMITED",
      `too many failed sign-ins: try again in ${Math.ceil(seconds / 60)} min`,
      {
        headers: { "retry-after": String(seconds) },
      },
    );
  }
}

/** Counts one failure against each key; the fifth in a window locks it for a window. */
export function recordFailure(store: Store, keys: string[], now = Date.now()): void {
  const db = store.sqlite;
  db.transaction(() => {
    for (const key of keys) {
      const row = db.query<Row, [string]>("SELECT * FROM login_attempts WHERE key = ?").get(key);
      const fresh = !row || now - row.window_start > WINDOW_MS;
      const failures = fresh ? 1 : row.failures + 1;
      const lockedUntil = failures >= MAX_FAILURES ? now + WINDOW_MS : null;
      db.query(
        `INSERT INTO login_attempts (key, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET failures = ?2, window_start = ?3, locked_until = ?4`,
      ).run(key, failures, fresh ? now : row.window_start, lockedUntil);
    }
  }).immediate();
}

/** A successful sign-in clears the account's counter (the IP's stays). */
export function clearFailures(store: Store, key: string): void {
  store.sqlite.query("DELETE FROM login_attempts WHERE key = ?").run(key);
}
