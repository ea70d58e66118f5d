/**
 * Work that must run on one node at a time when several Fazt processes share
 * one PostgreSQL database (docs/operations.md, "PostgreSQL"): housekeeping
 * sweeps, backups, ACME orders. On PostgreSQL the guard is a session-level
 * advisory lock (`pg_try_advisory_lock`) taken on the engine's own
 * connection, so a node that dies releases it with its connection. On SQLite
 * there is one server per file: the work is a plain call.
 */
import type { Engine } from "./engine/types.ts";

/** The first key of every Fazt advisory lock ("Fazt" in ASCII), so other users of the database keep theirs. */
const LOCK_SPACE = 0x46617a74;
const TRY_LOCK = `SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext(?))::int AS ok`;
const UNLOCK = `SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext(?))::int AS ok`;

export type SingleNodeRun<T> = { ran: true; value: T } | { ran: false };

/**
 * Names held by this process right now. PostgreSQL's advisory locks are
 * re-entrant within one session, and every caller in this process shares
 * the engine's session: without this a second caller here would get in too.
 */
const heldHere = new WeakMap<Engine, Set<string>>();

/**
 * Takes the lock named `name` for this node if no one holds it; returns the
 * function that releases it, or null (at once, without waiting) when another
 * node or another caller in this process holds it. On SQLite: always granted.
 */
export function trySingleNodeLock(engine: Engine, name: string): (() => void) | null {
  if (engine.dialect === "sqlite") return () => {};
  let held = heldHere.get(engine);
  if (!held) {
    held = new Set();
    heldHere.set(engine, held);
  }
  if (held.has(name)) return null;
  if (engine.get<{ ok: number }>(TRY_LOCK, [name])?.ok !== 1) return null;
  held.add(name);
  const names = held;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    names.delete(name);
    try {
      engine.get(UNLOCK, [name]);
    } catch {
      // The connection is gone: PostgreSQL released the lock with it.
    }
  };
}

/**
 * Runs `fn` unless another node (or another caller in this process) is
 * running the work named `name` right now; then it returns `{ ran: false }`
 * at once, without waiting. `fn` may be async: the lock is held until it settles.
 */
export async function withSingleNode<T>(
  engine: Engine,
  name: string,
  fn: () => T | Promise<T>,
): Promise<SingleNodeRun<Awaited<T>>> {
  const release = trySingleNodeLock(engine, name);
  if (!release) return { ran: false };
  try {
    return { ran: true, value: await fn() };
  } finally {
    release();
  }
}
