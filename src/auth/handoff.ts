import { FaztError, randomToken, sha256Hex } from "../core/index.ts";
import type { AccountsDb } from "./db.ts";

/**
 * Sign-in handoff: one sign-in on the admin host carried to a host that
 * cannot share its cookie (`*.localhost`, later custom domains). The admin
 * host issues a single-use code for one host; that host trades it for a
 * session of its own, a child of the admin-host session (signing out ends
 * both).
 */

/** How long a code lives: it is issued just before the redirect that carries it. */
export const HANDOFF_TTL_MS = 60_000;
/** Codes pending per session at most; more (a page spamming redirects) evicts the oldest. */
const PENDING_PER_SESSION = 10;

/** Codes and browser states are 32 random bytes in lower-case base32. */
export const isHandoffToken = (s: string | null | undefined): s is string => !!s && /^[a-z2-7]{52}$/.test(s);

/**
 * A code is stored as the hash of itself and the browser state of the host
 * it is for: the code alone, sent to another browser, matches nothing there
 * (login CSRF), and a leaked database holds no usable code.
 */
const codeHash = (code: string, state: string) => sha256Hex(`${code}.${state}`);

/**
 * Issues a code that signs the browser holding `state` into `host`
 * (`name:port`) as the owner of `sessionId` (a root session), and then
 * sends it to `redirect` (a path on that host).
 */
export function issueHandoff(
  store: AccountsDb,
  input: { sessionId: string; host: string; redirect: string; state: string },
  now = Date.now(),
): string {
  if (!isHandoffToken(input.state))
    throw new FaztError("VALIDATION_FAILED", "the sign-in state is not valid");
  const code = randomToken(32);
  store.engine.transaction(() => {
    store.engine.run("DELETE FROM auth_handoffs WHERE expires_at <= ?", [now]);
    store.engine.run(
      `DELETE FROM auth_handoffs WHERE session_id = ? AND code_hash NOT IN
         (SELECT code_hash FROM auth_handoffs WHERE session_id = ? ORDER BY expires_at DESC, code_hash LIMIT ?)`,
      [input.sessionId, input.sessionId, PENDING_PER_SESSION - 1],
    );
    store.engine.run(
      "INSERT INTO auth_handoffs (code_hash, session_id, host, redirect, expires_at) VALUES (?, ?, ?, ?, ?)",
      [codeHash(code, input.state), input.sessionId, input.host, input.redirect, now + HANDOFF_TTL_MS],
    );
  });
  return code;
}

/**
 * Spends a code (atomically: of two requests with it, one gets the row) and
 * checks it: issued for this browser's `state`, for `host`, and not older
 * than a minute. A code presented on the wrong host is spent all the same.
 * Returns the admin-host session it carries and where to go afterwards.
 */
export function consumeHandoff(
  store: AccountsDb,
  input: { code: string | undefined; state: string | null; host: string },
  now = Date.now(),
): { sessionId: string; redirect: string } {
  const refused = (why: string) => new FaztError("VALIDATION_FAILED", why);
  if (!isHandoffToken(input.code)) throw refused("this sign-in link is not valid; sign in again");
  if (!isHandoffToken(input.state)) {
    throw refused("this sign-in link was opened in another browser; sign in again here");
  }
  const row = store.engine.get<{ session_id: string; host: string; redirect: string; expires_at: number }>(
    "DELETE FROM auth_handoffs WHERE code_hash = ? RETURNING session_id, host, redirect, expires_at",
    [codeHash(input.code, input.state)],
  );
  if (!row) throw refused("this sign-in link was already used or is not valid; sign in again");
  if (row.host !== input.host) throw refused("this sign-in link is for another site; sign in again");
  if (row.expires_at <= now) throw refused("this sign-in link has expired; sign in again");
  return { sessionId: row.session_id, redirect: row.redirect };
}
