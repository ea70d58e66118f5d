/** Deploys: checking manifests and archives, storing contents once per sha256, immutable versions. */
export { collectGarbage, existingBlobs, putBlob } from "./blobs.ts";
export { checkManifest, type DeployLimits, type Manifest } from "./manifest.ts";
export { appNameSchema } from "./names.ts";
export { checkDeployPath } from "./paths.ts";
export {
  type DeployOutcome,
  type DeploySettings,
  deployFiles,
  finishDeploy,
  startDeploy,
  uploadBlob,
} from "./sessions.ts";
export {
  createVersion,
  listVersions,
  type NewVersion,
  rollback,
  type VersionFile,
  type VersionInfo,
} from "./versions.ts";
export { readZip, type ZipFile } from "./zip.ts";
