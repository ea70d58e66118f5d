/**
 * The data layer's engines (types.ts says the contract). Modules reach the
 * database through `Engine`; which engine it is is decided once, by where the
 * database is (`openEngine`).
 */
export { type DbFailure, redactUrl } from "./errors.ts";
export { isPostgresUrl, openEngine, resolveDatabaseTarget } from "./open.ts";
export { toNumberedPlaceholders } from "./placeholders.ts";
export { SqliteEngine } from "./sqlite.ts";
export type { Dialect, Engine, EngineHolder, SqlParams, SqlValue, TransactionOptions } from "./types.ts";
