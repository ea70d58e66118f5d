/** Deploys: checking paths, storing contents once per sha256 (versions and the protocol come next). */
export { collectGarbage, existingBlobs, putBlob } from "./blobs.ts";
export { checkDeployPath } from "./paths.ts";
