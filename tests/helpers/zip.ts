import { deflateRawSync } from "node:zlib";

/**
 * A tiny zip writer for tests: honest archives by default, and knobs to craft
 * hostile ones (names a real archiver would never write, links, lying sizes,
 * bad CRCs, cut-short data, the encrypted flag).
 */
export interface ZipEntry {
  /** Any name at all, including `../x`, `/abs` or `a\\b`; bytes are written as given. */
  name: string | Uint8Array;
  data: string | Uint8Array;
  /** `deflate` (default) or `store`. */
  method?: "store" | "deflate";
  /** Declared uncompressed size, instead of the real one (a lie). */
  size?: number;
  /** Declared CRC-32, instead of the real one. */
  crc?: number;
  /** A Unix mode for the external attributes (sets "made by" to Unix), e.g. `0o100644`. */
  unixMode?: number;
  /** Shorthand for `unixMode: 0o120777`: a symbolic link whose target is `data`. */
  symlink?: boolean;
  /** Sets general-purpose flag bit 0 (encrypted); the data is written as is. */
  encrypted?: boolean;
  /** Writes only this many bytes of the (compressed) data while the headers declare all of it. */
  truncateTo?: number;
  /** Raw compressed bytes to write instead of compressing `data` (sizes and CRC still from `data`). */
  raw?: Uint8Array;
}

const encoder = new TextEncoder();
const bytesOf = (v: string | Uint8Array) => (typeof v === "string" ? encoder.encode(v) : v);

/** Builds a zip archive (no zip64, no comment) from the entries, in order. */
export function makeZip(entries: ZipEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = bytesOf(e.name);
    const data = bytesOf(e.data);
    const method = e.method === "store" ? 0 : 8;
    let body = e.raw ?? (method === 8 ? new Uint8Array(deflateRawSync(data)) : data);
    const compressedSize = body.byteLength;
    if (e.truncateTo !== undefined) body = body.subarray(0, e.truncateTo);
    const crc = e.crc ?? Bun.hash.crc32(data);
    const size = e.size ?? data.byteLength;
    const flags = (e.encrypted ? 1 : 0) | 0x800; // bit 11: the name is UTF-8
    const mode = e.symlink ? 0o120777 : e.unixMode;

    const local = new Uint8Array(30 + name.byteLength);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, 0, true); // time
    lv.setUint16(12, 0x21, true); // date: 1980-01-01
    lv.setUint32(14, crc >>> 0, true);
    lv.setUint32(18, compressedSize, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.byteLength, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);

    const cd = new Uint8Array(46 + name.byteLength);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, mode === undefined ? 20 : (3 << 8) | 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, flags, true);
    cv.setUint16(10, method, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc >>> 0, true);
    cv.setUint32(20, compressedSize, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.byteLength, true);
    cv.setUint16(30, 0, true); // extra
    cv.setUint16(32, 0, true); // comment
    cv.setUint16(34, 0, true); // disk
    cv.setUint16(36, 0, true); // internal attributes
    cv.setUint32(38, mode === undefined ? 0 : (mode << 16) >>> 0, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);

    chunks.push(local, body);
    central.push(cd);
    offset += local.byteLength + body.byteLength;
  }
  const cdSize = central.reduce((n, c) => n + c.byteLength, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let p = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, p);
    p += c.byteLength;
  }
  return out;
}

/** An honest archive of `{path: contents}`. */
export const zipOf = (files: Record<string, string | Uint8Array>): Uint8Array =>
  makeZip(Object.entries(files).map(([name, data]) => ({ name, data })));
