import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import { FaztError, sha256Hex } from "../core/index.ts";
import type { Engine } from "../db/index.ts";
import { isCompressible } from "../web/index.ts";

/**
 * What the app model's stores need: the database behind the data layer's
 * engine (a `Store` is one; so is `{ engine }` on PostgreSQL). The SQL here
 * is written once for both engines (db/engine/types.ts).
 */
export interface AppData {
  readonly engine: Engine;
}

/** Compressed variants are made once, at deploy, for compressible files over this size. */
const COMPRESS_OVER = 1024;
/** Blobs younger than this are spared by GC: an unfinished deploy may still need them. */
const GC_GRACE_MS = 60 * 60 * 1000;

/** Which of `hashes` the store already holds (one query per 500). */
export function existingBlobs(store: AppData, hashes: string[]): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500);
    const rows = store.engine.all<{ sha256: string }>(
      `SELECT sha256 FROM blobs WHERE sha256 IN (${chunk.map(() => "?").join(",")})`,
      chunk,
    );
    for (const r of rows) found.add(r.sha256);
  }
  return found;
}

/** A stored representation of a file's contents: the bytes, or a compressed variant made at deploy. */
export type BlobEncoding = "identity" | "br" | "gzip";

/** One constant statement per representation: the engine prepares each once (the serving hot path). */
const READ_BLOB: Record<BlobEncoding, string> = {
  identity: "SELECT data AS b FROM blobs WHERE sha256 = ?",
  br: "SELECT br AS b FROM blobs WHERE sha256 = ?",
  gzip: "SELECT gzip AS b FROM blobs WHERE sha256 = ?",
};

/** The stored bytes of one content (or its compressed variant); null when absent. */
export function readBlob(
  store: AppData,
  sha256: string,
  encoding: BlobEncoding = "identity",
): Uint8Array | null {
  return store.engine.get<{ b: Uint8Array | null }>(READ_BLOB[encoding], [sha256])?.b ?? null;
}

/** The size in bytes of one stored content; null when absent. */
export function blobSize(store: AppData, sha256: string): number | null {
  return (
    store.engine.get<{ size: number }>("SELECT size FROM blobs WHERE sha256 = ?", [sha256])?.size ?? null
  );
}

/**
 * The contents of a version's files whose paths start with one of
 * `prefixes` (e.g. `api/`), by path. Prefixes are compared exactly with
 * `substr` (LIKE ignores case on SQLite, not on PostgreSQL).
 */
export function versionContents(
  store: AppData,
  versionId: string,
  prefixes: readonly string[],
): Map<string, Uint8Array> {
  if (prefixes.length === 0) return new Map();
  const where = prefixes.map(() => "substr(f.path, 1, ?) = ?").join(" OR ");
  const params: (string | number)[] = [versionId];
  for (const p of prefixes) params.push(p.length, p);
  const rows = store.engine.all<{ path: string; data: Uint8Array }>(
    `SELECT f.path, b.data FROM version_files f JOIN blobs b ON b.sha256 = f.sha256
     WHERE f.version_id = ? AND (${where})`,
    params,
  );
  return new Map(rows.map((r) => [r.path, new Uint8Array(r.data)]));
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Brotli quality 9, not 11: on text, 11 is ~15 % smaller but ~20× slower
 * (10 MiB of site took 20 s at 11, 1 s at 9 on this machine). Both run on
 * zlib's thread pool, so compressing never stalls the serving thread.
 */
const BROTLI_QUALITY = 9;

async function variants(
  bytes: Uint8Array,
  mime: string,
): Promise<{ br: Uint8Array | null; gzip: Uint8Array | null }> {
  if (bytes.byteLength <= COMPRESS_OVER || !isCompressible(mime)) return { br: null, gzip: null };
  const [br, gz] = await Promise.all([
    brotliAsync(bytes, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      },
    }),
    gzipAsync(bytes, { level: 9 }),
  ]);
  // Keep a variant only when it saves something worth a header.
  const worth = (v: Uint8Array) => (v.byteLength < bytes.byteLength * 0.95 ? new Uint8Array(v) : null);
  return { br: worth(br), gzip: worth(gz) };
}

export interface PreparedBlob {
  sha256: string;
  data: Uint8Array;
  br: Uint8Array | null;
  gzip: Uint8Array | null;
}

/**
 * Checks that `bytes` hash to `sha256` and makes the compressed variants:
 * the slow part of storing, done outside any write transaction.
 */
export async function prepareBlob(sha256: string, bytes: Uint8Array, mime: string): Promise<PreparedBlob> {
  if (sha256Hex(bytes) !== sha256) {
    throw new FaztError("VALIDATION_FAILED", `content does not match its sha256 ${sha256}`);
  }
  return { sha256, data: bytes, ...(await variants(bytes, mime)) };
}

/** Writes a prepared blob; a hash already stored is left as it is (contents are shared). */
export function insertBlob(store: AppData, blob: PreparedBlob, now = Date.now()): void {
  store.engine.run(
    "INSERT INTO blobs (sha256, size, data, br, gzip, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
    [blob.sha256, blob.data.byteLength, blob.data, blob.br, blob.gzip, now],
  );
}

/**
 * Stores one file's contents under its sha256, after checking the bytes hash
 * to it. Storing a hash that exists is a no-op: contents are shared.
 */
export async function putBlob(
  store: AppData,
  sha256: string,
  bytes: Uint8Array,
  mime: string,
): Promise<{ stored: boolean }> {
  if (existingBlobs(store, [sha256]).size > 0 && sha256Hex(bytes) === sha256) return { stored: false };
  const prepared = await prepareBlob(sha256, bytes, mime);
  if (existingBlobs(store, [sha256]).size > 0) return { stored: false };
  insertBlob(store, prepared);
  return { stored: true };
}

/** Deletes contents no version references any more (sparing recent uploads). Returns how many. */
export function collectGarbage(store: AppData, now = Date.now()): number {
  return store.engine.run(
    "DELETE FROM blobs WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM version_files vf WHERE vf.sha256 = blobs.sha256)",
    [now - GC_GRACE_MS],
  ).changes;
}

/**
 * Deletes contents uploaded since `since` by a refused deploy session, unless
 * a version uses them (inside the caller's transaction).
 */
export function dropUnusedBlobs(store: AppData, hashes: readonly string[], since: number): void {
  for (const h of hashes) {
    store.engine.run(
      "DELETE FROM blobs WHERE sha256 = ? AND created_at >= ? AND NOT EXISTS (SELECT 1 FROM version_files WHERE sha256 = ?)",
      [h, since, h],
    );
  }
}
