import type { Store } from "./open.ts";

/**
 * Tells whether another connection (another process, a runtime worker)
 * committed to the database since the last call: SQLite's `PRAGMA
 * data_version` moves on every commit made by a connection other than this
 * one, and reading it costs no disk access. Each caller keeps its own probe.
 *
 * PostgreSQL has no such number: there the change channel (notify.ts) tells
 * a node what the others changed, and this probe never fires.
 */
export function dataVersionProbe(store: Store): () => boolean {
  if (store.engine.dialect === "postgres") return () => false;
  const query = store.sqlite.query<{ data_version: number }, []>("PRAGMA data_version");
  let seen = query.get()?.data_version ?? 0;
  return () => {
    const now = query.get()?.data_version ?? 0;
    if (now === seen) return false;
    seen = now;
    return true;
  };
}
