export { isCompiled, listAssets } from "./assets.ts";
export { COMMIT, VERSION } from "./build-info.ts";
export { digestsEqual, sha256Hex } from "./crypto.ts";
export { parseDuration } from "./duration.ts";
export { type ErrorCode, FaztError, isFaztError } from "./errors.ts";
export { newId, randomBytes, randomToken } from "./ids.ts";
export { createLogger, type Level, type Logger, silentLogger } from "./log.ts";
export { parse } from "./validate.ts";
