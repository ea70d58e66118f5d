/**
 * Running an instance: first-run set-up and the seeded apps, where a running
 * server listens, housekeeping, backups and restore, upgrades, service
 * units, and HTTPS (loaded only when it is on).
 */
import type { startHttps as StartHttps } from "./https/serve.ts";

export {
  type BackupInfo,
  type BackupSource,
  backupDir,
  createBackup,
  listBackups,
  snapshotBeforeRemove,
} from "./backups.ts";
export { startHousekeeping } from "./housekeeping.ts";
export type { HttpsServeOptions, HttpsServing } from "./https/serve.ts";
export { type InitResult, initInstance } from "./init.ts";
export { restoreBackup } from "./restore.ts";
export {
  findRunningServer,
  localAdminUrl,
  type RunningServer,
  recordRunningServer,
  type ServerRecord,
  staleReason,
} from "./running.ts";
export {
  commandStep,
  hasCommand,
  installedServices,
  pickService,
  RESTART_EXIT_CODE,
  renderSystemUnit,
  renderTermuxLogRun,
  renderTermuxRun,
  renderUserUnit,
  restartCommand,
  SERVICE_ENV,
  SERVICE_NAME,
  type ServiceKind,
  type Step,
  SYSTEM_BINARY,
  SYSTEM_DB_PATH,
  SYSTEM_HOME,
  SYSTEM_UNIT_PATH,
  SYSTEM_USER,
  shellWord,
  termuxLogDir,
  termuxServiceDir,
  userUnitPath,
} from "./service.ts";
export { assertReplaceable, checkRelease, performUpgrade } from "./upgrade.ts";

/**
 * TLS with ACME certificates and port 80 (https/serve.ts): imported on first
 * call, so a server without HTTPS never loads acme-client.
 */
export async function startHttps(...args: Parameters<typeof StartHttps>): ReturnType<typeof StartHttps> {
  return (await import("./https/index.ts")).startHttps(...args);
}
