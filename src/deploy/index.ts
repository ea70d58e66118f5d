/**
 * Deploys (docs/hosting.md): the pipeline that takes a manifest, the missing
 * contents and the finish (or a zip, or files in hand) to a new version, and
 * the checks of manifests, paths and archives on the way. What a deploy
 * writes (apps, versions, blobs) is the app model in apps/.
 */
export { checkManifest, type DeployLimits, type Manifest } from "./manifest.ts";
export { checkDeployPath } from "./paths.ts";
export {
  type DeployOutcome,
  type DeploySettings,
  deployFiles,
  deploySessionApp,
  finishDeploy,
  startDeploy,
  uploadBlob,
} from "./pipeline.ts";
export { readZip, type ZipFile } from "./zip.ts";
