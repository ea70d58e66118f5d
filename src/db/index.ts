/** The database: one SQLite file (docs/operations.md), or PostgreSQL for several nodes (`engine/`). */
export {
  type Config,
  type ConfigPatch,
  configPatchSchema,
  configSchema,
  defaultConfig,
  readConfig,
  writeConfig,
} from "./config.ts";
export { type CopyResult, copyDatabase, type TableCheck } from "./copy.ts";
export { dataVersionProbe } from "./data-version.ts";
export * from "./engine/index.ts";
export { applyMigrations, cachedMigrations, loadMigrations, schemaVersion } from "./migrate.ts";
// The change channel between nodes (and processes): notify.ts.
export { type Change, type Changes, openChanges, TOPICS, type Topic } from "./notify.ts";
export { openStore, type Store } from "./open.ts";
export { openDatabase } from "./open-database.ts";
export { openStoreAt } from "./open-target.ts";
export { resolveDbPath } from "./path.ts";
export * as schema from "./schema.ts";
export { type SingleNodeRun, trySingleNodeLock, withSingleNode } from "./single-node.ts";
