/**
 * App storage (docs/app-code.md): `fazt.app.kv`, `fazt.app.ds` and `fazt.app.s3`,
 * synchronous, over the server's database. A storage object is bound to one
 * app and one scope (`""` app-wide, or a user id for `fazt.app.user.*`):
 * every statement binds both, so no argument reaches another app's or
 * user's rows.
 */
import { FaztError } from "../core/index.ts";
import type { Engine, Store } from "../db/index.ts";
import { engineOf } from "./common.ts";
import { createDs, type Ds } from "./ds.ts";
import { createKv, type Kv } from "./kv.ts";
import { createS3, type S3 } from "./s3.ts";

export {
  dsPage,
  type KvRow,
  kvPage,
  type Page,
  type S3Row,
  type StorageOverview,
  s3Page,
  storageOverview,
} from "./browse.ts";
export { MAX_JSON_BYTES, MAX_JSON_DEPTH, type StorageScope } from "./common.ts";
export {
  DEFAULT_LIMIT,
  type Doc,
  type Ds,
  explainFind,
  type FindOptions,
  MAX_ID_LENGTH,
  MAX_LIMIT,
  type Query,
  type Sort,
} from "./ds.ts";
export {
  dropFieldIndexes,
  forgetFieldIndexes,
  MAX_DATABASE_FIELD_INDEXES,
  MAX_FIELD_INDEXES,
} from "./indexes.ts";
export { type Kv, type KvEntry, MAX_KEY_LENGTH, sweepExpiredKv } from "./kv.ts";
export {
  checkBlobPath,
  MAX_BLOB_BYTES,
  MAX_PATH_LENGTH,
  type S3,
  type S3Entry,
  type S3Object,
} from "./s3.ts";

export interface Storage {
  kv: Kv;
  ds: Ds;
  s3: S3;
}

const MAX_SCOPE_LENGTH = 256;

/** `db`: the server's store (its engine is used) or an engine, SQLite or PostgreSQL. */
export function createStorage(db: Store | Engine, appId: string, scope = ""): Storage {
  if (typeof appId !== "string" || appId === "") throw new FaztError("INTERNAL", "storage needs an app id");
  if (typeof scope !== "string" || scope.length > MAX_SCOPE_LENGTH) {
    throw new FaztError("INTERNAL", "storage scope must be a string of at most 256 characters");
  }
  const sc = { engine: engineOf(db), appId, scope };
  return { kv: createKv(sc), ds: createDs(sc), s3: createS3(sc) };
}
