/**
 * The app model and its data: apps and their names, immutable versions and
 * the content-addressed blobs they point at, aliases, each app's env and
 * log, and the rules for an app's `api/` code read without running it.
 * Deploys write here (deploy/), hosting and the runtime read.
 */
export { listAliases, removeAlias, setAlias } from "./aliases.ts";
export { appIdOf, getApp, listApps, listFiles, readFile, removeApp, SEEDED_APPS } from "./apps.ts";
export {
  type AppData,
  type BlobEncoding,
  blobSize,
  collectGarbage,
  dropUnusedBlobs,
  existingBlobs,
  insertBlob,
  type PreparedBlob,
  prepareBlob,
  putBlob,
  readBlob,
  versionContents,
} from "./blobs.ts";
export {
  assertEnvKey,
  ENV_KEY_PATTERN,
  ENV_KEY_RULE,
  listEnv,
  MAX_ENV_VALUE_BYTES,
  RESERVED_ENV_KEYS,
  readEnv,
  updateEnv,
} from "./env.ts";
export {
  announceLogs,
  appendLog,
  DEFAULT_LOG_LIMIT,
  type LogLevel,
  MAX_LOG_LIMIT,
  readLogs,
  subscribeLogs,
  trimLogs,
} from "./logs.ts";
export { appNameSchema } from "./names.ts";
export {
  type CodeProblem,
  checkApiCode,
  formatProblem,
  isApiScript,
  isModuleSource,
  syntaxProblem,
} from "./source.ts";
export {
  createVersion,
  listVersions,
  type NewVersion,
  rollback,
  type VersionFile,
  type VersionInfo,
} from "./versions.ts";
