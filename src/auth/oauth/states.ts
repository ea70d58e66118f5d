import { FaztError, sha256Hex } from "../../core/index.ts";
import { type AccountsDb, lockNames } from "../db.ts";
import { STATE_TTL_MS } from "./types.ts";

/**
 * The `oauth_states` table: sign-ins started and not yet finished. Only the
 * state's sha256 is stored, with the PKCE verifier, the nonce, where to go
 * afterwards and the client that asked.
 */

/** Unfinished sign-ins kept at most: starting one needs no account, so the table is bounded. */
const MAX_PENDING = 10_000;
/**
 * Unfinished sign-ins kept per client address: a further start evicts that
 * address's oldest, so a flood from one client only ever displaces its own
 * starts and never fills the table for everyone else.
 */
const MAX_PENDING_PER_CLIENT = 10;

export interface PendingState {
  provider: string;
  code_verifier: string;
  nonce: string | null;
  redirect: string;
}

/**
 * Keeps a started sign-in for STATE_TTL_MS, evicting the client's oldest
 * beyond MAX_PENDING_PER_CLIENT; 429 when the table is full. One IMMEDIATE
 * transaction (PostgreSQL: one advisory lock), so racing starts cannot
 * overfill the table.
 */
export function saveState(
  store: AccountsDb,
  state: string,
  pending: PendingState & { clientBucket: string },
  now = Date.now(),
): void {
  const { engine } = store;
  engine.transaction(
    () => {
      lockNames(engine, ["oauth_states"]);
      engine.run("DELETE FROM oauth_states WHERE expires_at <= ?", [now]);
      // Equal start times are ordered by hash: the same eviction on both engines.
      engine.run(
        `DELETE FROM oauth_states WHERE ip = ? AND state_hash NOT IN (
           SELECT state_hash FROM oauth_states WHERE ip = ? ORDER BY created_at DESC, state_hash DESC LIMIT ?)`,
        [pending.clientBucket, pending.clientBucket, MAX_PENDING_PER_CLIENT - 1],
      );
      const waiting = engine.get<{ n: number }>("SELECT count(*) AS n FROM oauth_states")?.n ?? 0;
      if (waiting >= MAX_PENDING) {
        throw new FaztError("RATE_LIMITED", "too many sign-ins in progress; try again in a few minutes", {
          headers: { "retry-after": "60" },
        });
      }
      engine.run(
        "INSERT INTO oauth_states (state_hash, provider, code_verifier, nonce, redirect, ip, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
          sha256Hex(state),
          pending.provider,
          pending.code_verifier,
          pending.nonce,
          pending.redirect,
          pending.clientBucket,
          now,
          now + STATE_TTL_MS,
        ],
      );
    },
    { immediate: true },
  );
}

/** Takes a state out of the table in one statement: a second use (or a racing one) finds nothing. */
export function consumeState(store: AccountsDb, state: string, now = Date.now()): PendingState | null {
  if (state.length > 512) return null;
  return store.engine.get<PendingState>(
    "DELETE FROM oauth_states WHERE state_hash = ? AND expires_at > ? RETURNING provider, code_verifier, nonce, redirect",
    [sha256Hex(state), now],
  );
}

/** Removes the states of sign-ins never finished (housekeeping). */
export function sweepOauthStates(store: AccountsDb, now = Date.now()): number {
  return store.engine.run("DELETE FROM oauth_states WHERE expires_at <= ?", [now]).changes;
}
