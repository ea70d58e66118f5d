import { FaztError } from "../core/index.ts";
import type { Engine } from "../db/index.ts";

/**
 * What the accounts code needs of a store: its engine (src/db/engine/types.ts).
 * A `Store` is one; a node on PostgreSQL passes its engine the same way.
 */
export interface AccountsDb {
  readonly engine: Engine;
}

/** The first key of the two-key advisory locks taken here (PostgreSQL keeps one- and two-key locks apart). */
const ACCOUNTS_LOCK_SPACE = 0x66617a74; // "fazt"

/**
 * Serialises the read-then-write transactions over `names` (sign-in counters,
 * a provider account's first sign-in) between nodes. Call it first inside the
 * transaction. SQLite: nothing to do, the IMMEDIATE transaction already holds
 * the database's one write lock. PostgreSQL: READ COMMITTED lets two
 * transactions read the same row before either writes, so each name takes a
 * transaction-scoped advisory lock, in sorted order so that two callers can
 * never deadlock; it is released by COMMIT or ROLLBACK.
 */
export function lockNames(engine: Engine, names: readonly string[]): void {
  if (engine.dialect !== "postgres") return;
  for (const name of [...new Set(names)].sort()) {
    engine.get(`SELECT pg_advisory_xact_lock(${ACCOUNTS_LOCK_SPACE}, hashtext(?))`, [name]);
  }
}

/** A unique index refused the write (the same on both engines: src/db/engine/errors.ts). */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof FaztError && (e.details as { db?: unknown } | undefined)?.db === "unique";
}
