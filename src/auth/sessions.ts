import { FaztError, randomToken, sha256Hex } from "../core/index.ts";
import type { AccountsDb } from "./db.ts";
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
  store: AccountsDb,
  userId: string,
  meta: {
    ip?: string | undefined;
    userAgent?: string | null | undefined;
    /** The admin-host session a handoff carried here (see handoff.ts). */
    parentId?: string | undefined;
  } = {},
): { token: string; id: string; expiresAt: number } {
  const token = randomToken(32);
  const id = sha256Hex(token);
  const now = Date.now();
  const expiresAt = now + SESSION_MS;
  store.engine.run(
    "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [
      id,
      userId,
      now,
      now,
      expiresAt,
      meta.ip ?? null,
      meta.userAgent?.slice(0, 300) ?? null,
      meta.parentId ?? null,
    ],
  );
  return { token, id, expiresAt };
}

/** A live session: its id (the token's hash), the root of its family, its user. */
export interface SessionInfo {
  id: string;
  /** The session it was handed off from, or itself: what a handoff from here hangs under. */
  rootId: string;
  user: UserInfo;
}

/**
 * The live session of a token, sliding its expiry (and its root's: a sign-in
 * used only through an app host stays alive); null when unknown or expired.
 * Read from the database on every request, never cached: a sign-out on one
 * node ends the session on every node at once, with nothing to invalidate.
 */
export function sessionOf(store: AccountsDb, token: string, now = Date.now()): SessionInfo | null {
  if (!/^[a-z2-7]{52}$/.test(token)) return null;
  const id = sha256Hex(token);
  const row = store.engine.get<{
    user_id: string;
    last_seen_at: number;
    expires_at: number;
    parent_id: string | null;
  }>("SELECT user_id, last_seen_at, expires_at, parent_id FROM sessions WHERE id = ?", [id]);
  if (!row) return null;
  if (row.expires_at <= now) {
    store.engine.run("DELETE FROM sessions WHERE id = ?", [id]);
    return null;
  }
  if (now - row.last_seen_at > SLIDE_EVERY_MS) {
    store.engine.run("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ? OR id = ?", [
      now,
      now + SESSION_MS,
      id,
      row.parent_id,
    ]);
  }
  const user = getUser(store, row.user_id);
  return user ? { id, rootId: row.parent_id ?? id, user } : null;
}

/** The signed-in user of a session token, sliding its expiry; null when unknown or expired. */
export function sessionUser(store: AccountsDb, token: string, now = Date.now()): UserInfo | null {
  return sessionOf(store, token, now)?.user ?? null;
}

/**
 * Starts the session a handoff brings to another host: same user as the
 * admin-host session `parentId`, and ended with it. Refused when that
 * session has ended (signed out, expired) since the code was issued.
 */
export function createChildSession(
  store: AccountsDb,
  parentId: string,
  meta: { ip?: string | undefined; userAgent?: string | null | undefined },
  now = Date.now(),
): { token: string; user: UserInfo } {
  const parent = store.engine.get<{ user_id: string }>(
    "SELECT user_id FROM sessions WHERE id = ? AND expires_at > ?",
    [parentId, now],
  );
  const user = parent ? getUser(store, parent.user_id) : null;
  if (!parent || !user) throw new FaztError("VALIDATION_FAILED", "that sign-in has ended; sign in again");
  const { token } = createSession(store, parent.user_id, { ...meta, parentId });
  return { token, user };
}

/**
 * Signs out everywhere the sign-in reached: the root of the token's family
 * goes, and with it (ON DELETE CASCADE) every session handed off from it and
 * every code still pending.
 */
export function endSession(store: AccountsDb, token: string): void {
  store.engine.run(
    "DELETE FROM sessions WHERE id = (SELECT coalesce(parent_id, id) FROM sessions WHERE id = ?)",
    [sha256Hex(token)],
  );
}

/** Removes expired sessions and handoff codes (run at start and then hourly). */
export function sweepSessions(store: AccountsDb, now = Date.now()): number {
  store.engine.run("DELETE FROM auth_handoffs WHERE expires_at <= ?", [now]);
  return store.engine.run("DELETE FROM sessions WHERE expires_at <= ?", [now]).changes;
}
