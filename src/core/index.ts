/**
 * What every other folder may use: the one error type, validation, ids and
 * hashes, logs, durations, the build's identity and release source, where
 * this process runs (platform.ts) and the files shipped with it. Imports
 * nothing else of src/ (tests/structure/imports.test.ts).
 */
export { listAssets } from "./assets.ts";
export { COMMIT, VERSION } from "./build-info.ts";
export { digestsEqual, sha256Hex } from "./crypto.ts";
export { parseDuration } from "./duration.ts";
export { type ErrorCode, FaztError, isFaztError } from "./errors.ts";
export { esc, htmlDocument } from "./html.ts";
export { newId, randomBytes, randomToken } from "./ids.ts";
export { createLogger, type Level, type Logger, silentLogger } from "./log.ts";
export { bundledEntry, embeddedFiles, isCompiled, isTermux } from "./platform.ts";
export {
  DEFAULT_RELEASE_BASE_URL,
  RELEASE_PUBLIC_KEYS,
  releaseBaseProblem,
  releaseBaseUrlSchema,
  releasePublicKeySchema,
  releaseUrlProblem,
} from "./release-source.ts";
export { splitUrl } from "./url.ts";
export { parse } from "./validate.ts";
