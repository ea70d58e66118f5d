/** Deploys: checking paths and names, storing contents once per sha256, immutable versions. */
export { collectGarbage, existingBlobs, putBlob } from "./blobs.ts";
export { appNameSchema } from "./names.ts";
export { checkDeployPath } from "./paths.ts";
export {
  createVersion,
  listVersions,
  type NewVersion,
  rollback,
  type VersionFile,
  type VersionInfo,
} from "./versions.ts";
