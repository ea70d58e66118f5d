import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { randomToken } from "../core/index.ts";

/**
 * Large files on disk, so that they are sent with `sendfile` (a `Bun.file`
 * body) instead of being copied from memory on every request. Files are
 * named by their content hash: an entry is never stale, a new version asks
 * for other names. Each one is written once, to a temporary name and renamed
 * (a reader never sees half a file), readable by the owner only.
 *
 * Bun names a file sent by path in a `Content-Disposition: filename=…`
 * header for some types (`application/*`): the answer says
 * `Content-Disposition: inline` instead (what a browser assumes without
 * one), unless the app's `_headers` chose one (hosting/respond.ts).
 *
 * Several listener threads share the folder; `used` is one counter in shared
 * memory for all of them, so the bound holds across threads: past it a file
 * is served from memory instead. Files no version uses any more, and the
 * oldest ones when over the bound at start, are removed by `pruneDiskCache`
 * (at start and hourly, http/server.ts), never while a listener may send them.
 */

/** Below this, a file is answered from memory: opening it per request would cost more than the copy. */
export const SENDFILE_MIN_BYTES = 64 * 1024;
/** The folder's bound (docs/operations.md). */
export const DISK_CACHE_MAX_BYTES = 1024 * 1024 * 1024;

const HASH = /^[0-9a-f]{64}$/;

/** The cache folder beside database `dbPath`. */
export const diskCacheDir = (dbPath: string) => `${dbPath}-files`;

export class DiskCache {
  /** Hashes known to be on disk (per thread: a listener checks the disk once per hash). */
  readonly #present = new Set<string>();
  #pruned = 0;

  /**
   * `shared`, in memory every listener sees (`Atomics`): [0] the KiB in the
   * folder, [1] how many prunes ran (a listener then checks the disk again).
   */
  constructor(
    readonly dir: string,
    readonly shared: Int32Array,
    readonly maxBytes = DISK_CACHE_MAX_BYTES,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The path of the file with content `sha256`, written from `read()` when it
   * is not there yet; null when it cannot be (the bound is reached, the disk
   * is full): the caller serves from memory.
   */
  pathOf(sha256: string, size: number, read: () => Uint8Array | null): string | null {
    const path = join(this.dir, sha256);
    const pruned = Atomics.load(this.shared, 1);
    if (pruned !== this.#pruned) {
      this.#pruned = pruned;
      this.#present.clear();
    }
    if (this.#present.has(sha256)) return path;
    try {
      if (statSync(path).size === size) {
        this.#present.add(sha256);
        return path;
      }
    } catch {
      // not there yet
    }
    // Kilobytes in the shared counter: an Int32 holds 2 TiB of them.
    const kib = Math.ceil(size / 1024);
    if ((Atomics.load(this.shared, 0) + kib) * 1024 > this.maxBytes) return null;
    const bytes = read();
    if (bytes === null || bytes.byteLength !== size) return null;
    const tmp = join(this.dir, `tmp-${randomToken(8)}`);
    try {
      const fd = openSync(tmp, "wx", 0o600);
      try {
        let off = 0;
        while (off < bytes.byteLength) off += writeSync(fd, bytes, off);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      return null;
    }
    Atomics.add(this.shared, 0, kib);
    this.#present.add(sha256);
    return path;
  }
}

/**
 * Removes files of the cache folder whose hash `isLive` denies (no version
 * uses them), leftovers of interrupted writes, and with `toBound` the oldest
 * files until the folder fits its bound (only when nothing is being served:
 * at start). Returns the bytes left, for the shared counter.
 */
export function pruneDiskCache(
  dir: string,
  shared: Int32Array,
  isLive: (sha256: string) => boolean,
  opts: { toBound?: boolean; maxBytes?: number } = {},
): { removed: number; bytes: number } {
  const result = prune(dir, isLive, opts);
  Atomics.store(shared, 0, Math.ceil(result.bytes / 1024));
  Atomics.add(shared, 1, 1);
  return result;
}

function prune(
  dir: string,
  isLive: (sha256: string) => boolean,
  opts: { toBound?: boolean; maxBytes?: number },
): { removed: number; bytes: number } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { removed: 0, bytes: 0 };
  }
  const kept: Array<{ path: string; size: number; mtime: number }> = [];
  let removed = 0;
  const remove = (path: string) => {
    try {
      unlinkSync(path);
      removed++;
    } catch {
      // already gone
    }
  };
  for (const name of names) {
    const path = join(dir, name);
    if (!HASH.test(name) || !isLive(name)) {
      remove(path);
      continue;
    }
    try {
      const st = statSync(path);
      kept.push({ path, size: st.size, mtime: st.mtimeMs });
    } catch {
      // removed meanwhile
    }
  }
  let bytes = kept.reduce((n, f) => n + f.size, 0);
  const max = opts.maxBytes ?? DISK_CACHE_MAX_BYTES;
  if (opts.toBound && bytes > max) {
    kept.sort((a, b) => a.mtime - b.mtime);
    for (const f of kept) {
      if (bytes <= max) break;
      remove(f.path);
      bytes -= f.size;
    }
  }
  return { removed, bytes };
}
