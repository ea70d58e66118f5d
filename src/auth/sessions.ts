import { sha256Hex } from "../core/crypto.ts";
import { randomToken } from "../core/ids.ts";
import type { Store } from "../db/open.ts";
import { getUser, type UserInfo } from "./users.ts";

export const SESSION_COOKIE = "fazt_session";
export const SESSION_MS = 30 * 24 * 60 * 60 * 1000;
/** Sliding expiry is written at most this often per session: reads stay reads. */
const SLIDE_EVERY_MS = 60 * 60 * 1000;

/**
 * Starts a session: a random 32-byte token for the cookie; the database keeps
 * only its sha256, so a leaked database holds no usable session.
 */
export function createSession(
  store: Store,
  userId: string,
  meta: { ip?: string | undefined; userAgent?: string | null | undefined } = {},
): { token: string; expiresAt: number } {
  const token = randomToken(32);
  const now = Date.now();
  const expiresAt = now + SESSION_MS;
  store.sqlite
    .query(
      "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(
      sha256Hex(token),
      userId,
      now,
      now,
      expiresAt,
      meta.ip ?? null,
      meta.userAgent?.slice(0, 300) ?? null,
    );
  return { token, expiresAt };
}

/** The signed-in user of a session token, sliding its expiry; null when unknown or expired. */
export function sessionUser(store: Store, token: string, now = Date.now()): UserInfo | null {
  if (!/^[a-z2-7]{52}$/.test(token)) return null;
  const id = sha256Hex(token);
  const row = store.sqlite
    .query<{ user_id: string; last_seen_at: number; expires_at: number }, [string]>(
      "SELECT user_id, last_seen_at, expires_at FROM sessions WHERE id = ?",
    )
    .get(id);
  if (!row) return null;
  if (row.expires_at <= now) {
    store.sqlite.query("DELETE FROM sessions WHERE id = ?").run(id);
    return null;
  }
  if (now - row.last_seen_at > SLIDE_EVERY_MS) {
    store.sqlite
      .query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?")
      .run(now, now + SESSION_MS, id);
  }
  return getUser(store, row.user_id);
}

export function endSession(store: Store, token: string): void {
  store.sqlite.query("DELETE FROM sessions WHERE id = ?").run(sha256Hex(token));
}

/** Removes expired sessions (run at start and then hourly). */
export function sweepSessions(store: Store, now = Date.now()): number {
  return store.sqlite.query("DELETE FROM sessions WHERE expires_at <= ?").run(now).changes;
}
