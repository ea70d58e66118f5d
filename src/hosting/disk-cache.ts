import {
  closeSync,
  fstatSync,
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
import { randomToken } from "../core/ids.ts";

/**
 * Large files on disk, so that they are sent with `sendfile` (a `Bun.file`
 * body) instead of being copied from memory on every request. Files are
 * named by their content hash: an entry is never stale, a new version asks
 * for other names. Each one is written once, to a temporary name and renamed
 * (a reader never sees half a file), readable by the owner only.
 *
 * A listener keeps the files it sends open (`OPEN_FILES`, least recently
 * used closed first) and sends from the descriptor: no open and stat per
 * request, and Bun adds no `Content-Disposition` naming the file (it does
 * for a `Bun.file(path)` of some types), so the answer is the one memory
 * would have given.
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
/** Descriptors a listener keeps open. */
const OPEN_FILES = 256;
/** A descriptor let go is closed this much later: a send from it may still be under way. */
const CLOSE_AFTER_MS = 10 * 60 * 1000;

function closeLater(fd: number): void {
  const timer = setTimeout(() => {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }, CLOSE_AFTER_MS);
  timer.unref?.();
}

/** The cache folder beside database `dbPath`. */
export const diskCacheDir = (dbPath: string) => `${dbPath}-files`;

export class DiskCache {
  /** Open files by hash, least recently used first (per thread). */
  readonly #open = new Map<string, number>();
  #pruned = 0;

  /**
   * `shared`, in memory every listener sees (`Atomics`): [0] the KiB in the
   * folder, [1] how many prunes ran (a listener then opens its files again).
   */
  constructor(
    readonly dir: string,
    readonly shared: Int32Array,
    readonly maxBytes = DISK_CACHE_MAX_BYTES,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * An open descriptor of the file with content `sha256`, written from
   * `read()` when it is not there yet; null when it cannot be (the bound is
   * reached, the disk is full): the caller serves from memory.
   */
  fdOf(sha256: string, size: number, read: () => Uint8Array | null): number | null {
    const pruned = Atomics.load(this.shared, 1);
    if (pruned !== this.#pruned) {
      this.#pruned = pruned;
      for (const fd of this.#open.values()) closeLater(fd);
      this.#open.clear();
    }
    const known = this.#open.get(sha256);
    if (known !== undefined) {
      // Re-inserted: Map order is the recency order.
      this.#open.delete(sha256);
      this.#open.set(sha256, known);
      return known;
    }
    const fd =
      this.#openWhole(sha256, size) ??
      (this.#write(sha256, size, read) ? this.#openWhole(sha256, size) : null);
    if (fd === null) return null;
    this.#open.set(sha256, fd);
    if (this.#open.size > OPEN_FILES) {
      const [oldest, oldFd] = this.#open.entries().next().value as [string, number];
      this.#open.delete(oldest);
      closeLater(oldFd);
    }
    return fd;
  }

  /** The cached file, if it is there and whole. */
  #openWhole(sha256: string, size: number): number | null {
    let fd: number;
    try {
      fd = openSync(join(this.dir, sha256), "r");
    } catch {
      return null;
    }
    if (fstatSync(fd).size === size) return fd;
    closeSync(fd);
    return null;
  }

  #write(sha256: string, size: number, read: () => Uint8Array | null): boolean {
    // Kilobytes in the shared counter: an Int32 holds 2 TiB of them.
    const kib = Math.ceil(size / 1024);
    if ((Atomics.load(this.shared, 0) + kib) * 1024 > this.maxBytes) return false;
    const bytes = read();
    if (bytes === null || bytes.byteLength !== size) return false;
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
      renameSync(tmp, join(this.dir, sha256));
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      return false;
    }
    Atomics.add(this.shared, 0, kib);
    return true;
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
