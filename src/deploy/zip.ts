import { inflateRawSync } from "node:zlib";
import { FaztError } from "../core/index.ts";
import type { DeployLimits } from "./manifest.ts";
import { checkDeployPath } from "./paths.ts";

export interface ZipFile {
  path: string;
  data: Uint8Array;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const UNIX = 3;

const broken = (why: string) => new FaztError("BAD_REQUEST", `unreadable zip archive: ${why}`);
const tooLarge = (why: string) => new FaztError("PAYLOAD_TOO_LARGE", why);
const utf8 = new TextDecoder("utf-8", { fatal: true });

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  localOffset: number;
}

function findEnd(view: DataView): number {
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  const last = view.byteLength - 22;
  for (let i = last; i >= Math.max(0, last - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) return i;
  }
  throw broken("no end-of-archive record (is this a zip file?)");
}

/** Reads the central directory: names, types and declared sizes, checked before anything inflates. */
function readEntries(bytes: Uint8Array, limits: DeployLimits): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 22) throw broken("too short");
  const end = findEnd(view);
  const count = view.getUint16(end + 10, true);
  const cdSize = view.getUint32(end + 12, true);
  const cdOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) throw broken("zip64 archives are not supported");
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) {
    throw broken("multi-part archives are not supported");
  }
  if (cdOffset + cdSize > end) throw broken("central directory out of bounds");
  const entries: Entry[] = [];
  let declared = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || view.getUint32(p, true) !== CENTRAL) throw broken("corrupt central directory");
    const madeBy = view.getUint16(p + 4, true) >> 8;
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compressed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    const localOffset = view.getUint32(p + 42, true);
    if (p + 46 + nameLen > end) throw broken("corrupt central directory");
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    } catch {
      throw broken("an entry name is not UTF-8");
    }
    p += 46 + nameLen + extraLen + commentLen;
    const mode = madeBy === UNIX ? (external >>> 16) & S_IFMT : 0;
    const isDir = name.endsWith("/") || mode === S_IFDIR;
    if (isDir) {
      if (name.endsWith("/")) checkDeployPath(name.slice(0, -1));
      continue;
    }
    if (mode !== 0 && mode !== S_IFREG) {
      throw new FaztError(
        "VALIDATION_FAILED",
        `refused entry "${name}": links and special files are not allowed`,
      );
    }
    checkDeployPath(name);
    if (flags & 1) throw broken(`"${name}" is encrypted`);
    if (method !== 0 && method !== 8) throw broken(`"${name}" uses compression method ${method}`);
    if (entries.length >= limits.maxFiles) throw tooLarge(`more than ${limits.maxFiles} files`);
    if (size > limits.maxFileBytes) {
      throw tooLarge(`"${name}" is ${size} bytes, over the per-file limit of ${limits.maxFileBytes}`);
    }
    declared += size;
    if (declared > limits.maxDeployBytes) {
      throw tooLarge(`the archive inflates past the deploy limit of ${limits.maxDeployBytes} bytes`);
    }
    entries.push({ name, method, crc, compressed, size, localOffset });
  }
  return entries;
}

/** Inflates one entry, stopping as soon as it passes what it declared (a lying header cannot bomb us). */
function inflate(bytes: Uint8Array, e: Entry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = e.localOffset;
  if (at + 30 > bytes.byteLength || view.getUint32(at, true) !== LOCAL)
    throw broken(`bad header for "${e.name}"`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + e.compressed > bytes.byteLength) throw broken(`"${e.name}" is cut short`);
  const raw = bytes.subarray(start, start + e.compressed);
  let data: Uint8Array;
  if (e.method === 0) data = raw;
  else {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw tooLarge(`"${e.name}" inflates past its declared size of ${e.size} bytes`);
      }
      throw broken(`"${e.name}" does not inflate`);
    }
  }
  if (data.byteLength !== e.size) throw broken(`"${e.name}" is not the size its header declares`);
  if (Bun.hash.crc32(data) !== e.crc) throw broken(`"${e.name}" fails its CRC check`);
  return data;
}

/**
 * Reads a zip upload (docs/hosting.md) entirely in memory, refusing before anything is
 * stored: traversal, absolute paths, backslashes, links (400); too many files
 * or too many bytes, declared or actually inflated (413). Directory entries
 * are skipped. When every file sits under one top folder and there is no
 * `index.html` at the root (a zipped folder), that folder is taken as the root.
 */
export function readZip(bytes: Uint8Array, limits: DeployLimits): ZipFile[] {
  const entries = readEntries(bytes, limits);
  if (entries.length === 0) throw new FaztError("VALIDATION_FAILED", "the archive holds no files");
  const files = entries.map((e) => ({ path: e.name, data: inflate(bytes, e) }));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path))
      throw new FaztError("VALIDATION_FAILED", `"${f.path}" appears twice in the archive`);
    seen.add(f.path);
  }
  const top = files[0]!.path.split("/")[0]!;
  const wrapped =
    !seen.has("index.html") &&
    files.every((f) => f.path.startsWith(`${top}/`)) &&
    seen.has(`${top}/index.html`);
  return wrapped ? files.map((f) => ({ path: f.path.slice(top.length + 1), data: f.data })) : files;
}
