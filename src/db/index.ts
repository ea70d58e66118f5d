/** The database: one SQLite file, opened with the pragmas and migrations of docs/operations.md. */
import { FaztError } from "../core/index.ts";
import { applyMigrations, loadMigrations } from "./migrate.ts";
import { openStore, type Store } from "./open.ts";

export {
  type Config,
  type ConfigPatch,
  configPatchSchema,
  defaultConfig,
  readConfig,
  writeConfig,
} from "./config.ts";
export { dataVersionProbe } from "./data-version.ts";
export { applyMigrations, loadMigrations, schemaVersion } from "./migrate.ts";
export { type Db, openStore, type Store } from "./open.ts";
export { resolveDbPath } from "./path.ts";
export * as schema from "./schema.ts";

/** Opens the database and brings its schema up to date. Closes it again on failure. */
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
export { configSchema } from "./config.ts";
