import { type AppData, readBlob } from "../apps/index.ts";
import { HSTS } from "../web/index.ts";
import type { ContentCache } from "./content-cache.ts";
import { type DiskCache, SENDFILE_MIN_BYTES } from "./disk-cache.ts";
import { type Encoding, pickEncoding } from "./negotiate.ts";
import { parseRange } from "./range.ts";
import type { SiteFile } from "./site.ts";

/**
 * Reads file contents (or a compressed variant) through the memory cache;
 * large files' plain bytes through the disk cache, when there is one.
 */
export class ContentReader {
  constructor(
    readonly store: AppData,
    readonly cache: ContentCache,
    readonly disk: DiskCache | null = null,
  ) {}

  read(sha256: string, encoding: Encoding): Uint8Array | null {
    const key = encoding === "identity" ? sha256 : `${sha256}:${encoding}`;
    let bytes = this.cache.get(key);
    if (bytes === undefined) {
      const found = readBlob(this.store, sha256, encoding);
      if (!found) return null;
      bytes = found;
      this.cache.set(key, bytes);
    }
    return bytes;
  }

  /** The path of a large file's plain bytes on disk, or null: serve it from memory. */
  diskPath(file: SiteFile): string | null {
    if (this.disk === null || file.size < SENDFILE_MIN_BYTES) return null;
    // Written from the database straight to disk: the memory cache is for what is served from memory.
    return this.disk.pathOf(file.sha256, file.size, () => readBlob(this.store, file.sha256, "identity"));
  }
}

/** What every response of a request carries: its id and the security headers (docs/hosting.md). */
export interface Common {
  requestId: string;
  https: boolean;
  /**
   * Set by whoever builds the response: the body's length, for the access
   * log (reading it back from `Response.headers` would build a Headers object).
   */
  bytes: number | null;
}

/** A fresh header object with the common headers (an object literal: cheaper than spreading). */
export function baseHeaders(c: Common): Record<string, string> {
  const h: Record<string, string> = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-request-id": c.requestId,
  };
  if (c.https) h["strict-transport-security"] = HSTS;
  return h;
}

/** `If-None-Match` against our strong tags (any listed tag, or `*`). */
function notModified(header: string | null, etags: string[]): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => {
    const tag = t.trim().replace(/^W\//, "");
    return etags.includes(tag);
  });
}

/**
 * Answers with one stored file (docs/hosting.md): ETag/304, single Range (206/416,
 * on the identity bytes), br/gzip chosen by Accept-Encoding with Vary, HEAD
 * without a body. `extra` are `_headers` rules and the like; `common` the
 * headers every response carries (request id, security headers).
 */
export function fileResponse(
  req: Request,
  file: SiteFile,
  reader: ContentReader,
  opts: { status?: number; extra?: Array<[string, string]> | undefined; common: Common },
): Response {
  const status = opts.status ?? 200;
  const headers = baseHeaders(opts.common);
  headers["content-type"] = file.mime;
  headers["cache-control"] = file.cacheControl;
  const varies = file.hasBr || file.hasGzip;
  if (varies) headers.vary = "Accept-Encoding";
  if (opts.extra) for (const [k, v] of opts.extra) headers[k.toLowerCase()] = v;

  const rangeHeader = status === 200 ? req.headers.get("range") : null;
  const encoding: Encoding = rangeHeader
    ? "identity"
    : pickEncoding(req.headers.get("accept-encoding"), file.hasBr, file.hasGzip);
  const etag = file.etags[encoding];
  headers.etag = etag;
  if (status === 200) headers["accept-ranges"] = "bytes";

  if (status === 200 && notModified(req.headers.get("if-none-match"), [etag, file.etags.identity])) {
    opts.common.bytes = 0;
    return new Response(null, { status: 304, headers });
  }

  let range: { start: number; end: number } | null = null;
  if (rangeHeader) {
    const ifRange = req.headers.get("if-range");
    const parsed = ifRange && ifRange !== etag ? null : parseRange(rangeHeader, file.size);
    if (parsed === "unsatisfiable") {
      headers["content-range"] = `bytes */${file.size}`;
      headers["content-length"] = "0";
      opts.common.bytes = 0;
      return new Response(null, { status: 416, headers });
    }
    range = parsed;
  }
  const code = range ? 206 : status;
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${file.size}`;

  // Plain bytes of a large file: sent from the disk cache with sendfile, never copied through JavaScript.
  const onDisk = encoding === "identity" ? reader.diskPath(file) : null;
  if (onDisk !== null) {
    const length = range ? range.end - range.start + 1 : file.size;
    headers["content-length"] = String(length);
    // Else Bun would name the cache file (its hash) here: hosting/disk-cache.ts.
    headers["content-disposition"] ??= "inline";
    opts.common.bytes = length;
    if (req.method === "HEAD") return new Response(null, { status: code, headers });
    const whole = Bun.file(onDisk);
    return new Response(range ? whole.slice(range.start, range.end + 1) : whole, { status: code, headers });
  }

  let body = reader.read(file.sha256, encoding);
  if (body === null) throw new Error(`blob ${file.sha256} of ${file.path} is missing`);
  if (encoding !== "identity") headers["content-encoding"] = encoding;
  if (range) body = body.subarray(range.start, range.end + 1);
  headers["content-length"] = String(body.byteLength);
  opts.common.bytes = body.byteLength;
  return new Response(req.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>), {
    status: code,
    headers,
  });
}
