import { FaztError } from "../core/index.ts";
import { applyMigrations, loadMigrations } from "./migrate.ts";
import { openStore, type Store } from "./open.ts";

/** Opens the SQLite database and brings its schema up to date. Closes it again on failure. */
export async function openDatabase(path: string, opts: { create?: boolean } = {}): Promise<Store> {
  const migrations = await loadMigrations();
  const store = openStore(path, { ...opts, maxSchema: migrations.length });
  try {
    applyMigrations(store.sqlite, migrations);
  } catch (e) {
    store.close();
    if (e instanceof FaztError) throw e;
    throw new FaztError("DATABASE_UNREADABLE", `cannot migrate database ${path}: ${(e as Error).message}`);
  }
  return store;
}
