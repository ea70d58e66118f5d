/**
 * `fazt.app.s3`: blobs (bytes with a content type) under slash-separated
 * paths. Bytes in, `Uint8Array` out; the hash is the SHA-256 of the bytes.
 */
import { FaztError, sha256Hex } from "../core/index.ts";
import type { Engine } from "../db/index.ts";
import { mimeOf } from "../web/index.ts";
import {
  byCodePoint,
  checkPrefix,
  invalid,
  now,
  prefixParam,
  type StorageScope,
  startsWith,
  unmatchable,
} from "./common.ts";

export const MAX_PATH_LENGTH = 1024;
export const MAX_BLOB_BYTES = 10 * 1024 * 1024;
const MAX_MIME_LENGTH = 255;

export interface S3Object {
  data: Uint8Array;
  mime: string;
  size: number;
  /** SHA-256 of the bytes, lower-case hex. */
  hash: string;
}

export interface S3Entry {
  path: string;
  mime: string;
  size: number;
  updatedAt: number;
}

export interface S3 {
  /** Stores bytes (a string is stored as UTF-8); `mime` defaults from the path's extension. */
  put(path: string, data: Uint8Array | ArrayBuffer | string, mime?: string | null): void;
  get(path: string): S3Object | null;
  /** Whether something was removed. */
  delete(path: string): boolean;
  /** Objects whose path starts with `prefix` (taken literally), sorted by path. */
  list(prefix?: string): S3Entry[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkBlobPath(path: unknown): string {
  if (typeof path !== "string") throw invalid("s3 path must be a string");
  if (path.length === 0) throw invalid("s3 path must not be empty");
  if (path.length > MAX_PATH_LENGTH) throw invalid(`s3 path is longer than ${MAX_PATH_LENGTH} characters`);
  if (CONTROL.test(path)) throw invalid("s3 path must not contain control characters");
  if (path.includes("\\")) throw invalid("s3 path must not contain a backslash");
  if (path.startsWith("/")) throw invalid("s3 path must not start with /");
  for (const segment of path.split("/")) {
    if (segment === "") throw invalid("s3 path must not contain empty segments (// or a trailing /)");
    if (segment === "." || segment === "..") throw invalid("s3 path must not contain . or .. segments");
  }
  return path;
}

function checkMime(mime: unknown, path: string): string {
  if (mime === undefined || mime === null || mime === "") return mimeOf(path);
  if (typeof mime !== "string") throw invalid("s3 mime type must be a string");
  if (mime.length > MAX_MIME_LENGTH || !/^[\x21-\x7e]+\/[\x20-\x7e]+$/.test(mime)) {
    throw invalid("s3 mime type must look like type/subtype (printable ASCII, at most 255 characters)");
  }
  return mime;
}

function toBytes(data: unknown): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw invalid("s3 data must be a Uint8Array or a string");
}

const PUT = `INSERT INTO app_blobs (app_id, scope, path, mime, size, sha256, data, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (app_id, scope, path) DO UPDATE SET
    mime = excluded.mime, size = excluded.size, sha256 = excluded.sha256,
    data = excluded.data, updated_at = excluded.updated_at`;
const GET = "SELECT data, mime, size, sha256 FROM app_blobs WHERE app_id = ? AND scope = ? AND path = ?";
const DELETE = "DELETE FROM app_blobs WHERE app_id = ? AND scope = ? AND path = ?";
const listSql = (engine: Engine) => `SELECT path, mime, size, updated_at FROM app_blobs
  WHERE app_id = ? AND scope = ? AND ${startsWith(engine, "path")} ORDER BY ${byCodePoint(engine, "path")}`;

export function createS3({ engine, appId, scope }: StorageScope): S3 {
  const LIST = listSql(engine);
  return {
    put(path, data, mime) {
      const p = checkBlobPath(path);
      const type = checkMime(mime, p);
      if (typeof data === "string" && data.length > MAX_BLOB_BYTES) throw tooLarge();
      const bytes = toBytes(data);
      if (bytes.byteLength > MAX_BLOB_BYTES) throw tooLarge();
      engine.run(PUT, [appId, scope, p, type, bytes.byteLength, sha256Hex(bytes), bytes, now()]);
    },
    get(path) {
      const p = checkBlobPath(path);
      const row = engine.get<{ data: Uint8Array; mime: string; size: number; sha256: string }>(GET, [
        appId,
        scope,
        p,
      ]);
      if (!row) return null;
      const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      return { data, mime: row.mime, size: row.size, hash: row.sha256 };
    },
    delete(path) {
      return engine.run(DELETE, [appId, scope, checkBlobPath(path)]).changes > 0;
    },
    list(prefix) {
      const p = checkPrefix(prefix, MAX_PATH_LENGTH);
      if (unmatchable(p)) return [];
      return engine
        .all<{ path: string; mime: string; size: number; updated_at: number }>(LIST, [
          appId,
          scope,
          prefixParam(engine, p),
        ])
        .map((r) => ({ path: r.path, mime: r.mime, size: r.size, updatedAt: r.updated_at }));
    },
  };
}

function tooLarge(): FaztError {
  return new FaztError("PAYLOAD_TOO_LARGE", `s3 data is larger than ${MAX_BLOB_BYTES} bytes`);
}
