/**
 * A runtime worker's own connection to the server's database, opened from
 * its target (`RuntimeOptions.dbPath`): a SQLite file (a connection of its
 * own; SQLite's busy timeout lets the workers' writes wait for each other,
 * src/db/open.ts), or a `postgres://` URL — an engine of its own, with its
 * own I/O worker and connection (src/db/engine/pg.ts), so `fazt.app.kv/ds/s3`
 * stay synchronous inside QuickJS on either engine.
 */
import { isPostgresUrl, openEngine, openStore, type Store } from "../db/index.ts";

/**
 * What the worker reads through: the engine. apps/ and storage/ take a
 * `Store` and use only its engine; on PostgreSQL there is no SQLite
 * connection behind it, so nothing may reach for `sqlite` or `db` here.
 */
export type WorkerDatabase = Pick<Store, "engine" | "close">;

export async function openWorkerDatabase(target: string): Promise<WorkerDatabase> {
  if (!isPostgresUrl(target)) return openStore(target, { create: false });
  // openEngine checks the schema is this binary's (the server migrated it: nothing to do).
  const engine = await openEngine(target);
  return { engine, close: () => engine.close() };
}
