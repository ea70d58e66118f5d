import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import { FaztError, sha256Hex } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { isCompressible } from "../web/index.ts";

/** Compressed variants are made once, at deploy, for compressible files over this size. */
const COMPRESS_OVER = 1024;
/** Blobs younger than this are spared by GC: an unfinished deploy may still need them. */
const GC_GRACE_MS = 60 * 60 * 1000;

/** Which of `hashes` the store already holds (one query per 500). */
export function existingBlobs(store: Store, hashes: string[]): Set<string> {
  const found = new Set<string>();
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500);
    const rows = store.sqlite
      .query<{ sha256: string }, string[]>(
        `SELECT sha256 FROM blobs WHERE sha256 IN (${chunk.map(() => "?").join(",")})`,
      )
      .all(...chunk);
    for (const r of rows) found.add(r.sha256);
  }
  return found;
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
export function insertBlob(store: Store, blob: PreparedBlob, now = Date.now()): void {
  store.sqlite
    .query("INSERT OR IGNORE INTO blobs (sha256, size, data, br, gzip, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .run(blob.sha256, blob.data.byteLength, blob.data, blob.br, blob.gzip, now);
}

/**
 * Stores one file's contents under its sha256, after checking the bytes hash
 * to it. Storing a hash that exists is a no-op: contents are shared.
 */
export async function putBlob(
  store: Store,
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
export function collectGarbage(store: Store, now = Date.now()): number {
  return store.sqlite
    .query(
      "DELETE FROM blobs WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM version_files vf WHERE vf.sha256 = blobs.sha256)",
    )
    .run(now - GC_GRACE_MS).changes;
}
