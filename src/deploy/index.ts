/** Deploys: checking manifests and archives, storing contents once per sha256, immutable versions. */
export { collectGarbage, existingBlobs, putBlob } from "../apps/blobs.ts";
export { appNameSchema } from "../apps/names.ts";
export {
  createVersion,
  listVersions,
  type NewVersion,
  rollback,
  type VersionFile,
  type VersionInfo,
} from "../apps/versions.ts";
export { checkManifest, type DeployLimits, type Manifest } from "./manifest.ts";
export { checkDeployPath } from "./paths.ts";
export {
  type DeployOutcome,
  type DeploySettings,
  deployFiles,
  finishDeploy,
  startDeploy,
  uploadBlob,
} from "./pipeline.ts";
export { readZip, type ZipFile } from "./zip.ts";
