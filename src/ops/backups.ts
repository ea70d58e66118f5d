/**
 * Backups (docs/operations.md): consistent snapshots with `VACUUM INTO`, a listing of
 * the snapshots next to the database, and
 * pruning of the automatic ones. Restoring is restore.ts.
 *
 * Snapshots made without a FILE go to `<db dir>/backups/` and are named
 * `fazt-YYYYMMDD-HHMMSS[-N][-reason].db` (UTC; `-N` only when two land in
 * the same second). The reason encodes the kind: `auto` (daily, pruned to
 * `backupKeep`), `pre-restore`, `pre-remove-APP`, or none for one a person
 * asked for. Only `auto` snapshots are ever deleted by Fazt.
 *
 * On PostgreSQL a snapshot is a portable SQLite file too (`copyDatabase`
 * into a new file, checked row for row), written by one node at a time, into
 * the backups folder of the default database place (`~/.fazt/backups`).
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SEEDED_APPS } from "../apps/index.ts";
import { FaztError } from "../core/index.ts";
import {
  applyMigrations,
  cachedMigrations,
  copyDatabase,
  type Engine,
  type EngineHolder,
  isPostgresUrl,
  openStore,
  resolveDbPath,
  trySingleNodeLock,
} from "../db/index.ts";

/** The database to snapshot: its engine and where it is (a file path, or a postgres:// URL). */
export type BackupSource = EngineHolder & { readonly path: string };

export interface BackupInfo {
  /** Absolute path of the snapshot. */
  file: string;
  bytes: number;
  /** Milliseconds (UTC), from the name for snapshots in the backups folder. */
  createdAt: number;
  /** `auto`, `pre-restore`, `pre-remove-APP`…; null for one made on request. */
  reason: string | null;
}

const DAY = 24 * 60 * 60 * 1000;
export const SQLITE_MAGIC = "SQLite format 3\0";
const NAME = /^fazt-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?(?:-([a-z][a-z0-9-]*))?\.db$/;

/**
 * The folder of the automatic and pre-change snapshots of the database at
 * `dbPath`; for a PostgreSQL URL, the one beside the default database file.
 */
export function backupDir(dbPath: string): string {
  const file = isPostgresUrl(dbPath) ? resolveDbPath() : resolve(dbPath);
  return join(dirname(file), "backups");
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** Reasons end up in file names: lower-case letters, digits and dashes only. */
function cleanReason(reason: string | undefined): string | undefined {
  if (reason === undefined || reason === "") return undefined;
  const clean = reason
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 80);
  return clean || undefined;
}

/** A free default name in `dir` for a snapshot taken at `now`. */
export function defaultName(dir: string, now: number, reason: string | undefined): string {
  for (let n = 1; ; n++) {
    const name = `fazt-${stamp(now)}${n > 1 ? `-${n}` : ""}${reason ? `-${reason}` : ""}.db`;
    if (!existsSync(join(dir, name))) return join(dir, name);
  }
}

export function fsyncPath(path: string, flags = "r"): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, flags);
    fsyncSync(fd);
  } catch {
    // Folders cannot be fsynced everywhere (some filesystems refuse): best effort.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a portable SQLite copy of a PostgreSQL database into the empty file
 * `partial`: this binary's schema, then every table in one snapshot of the
 * source, checked row for row (`copyDatabase`).
 */
function copyPostgresInto(source: Engine, partial: string): void {
  // Loaded when the engine was opened (openEngine migrates PostgreSQL first).
  const migrations = cachedMigrations();
  if (!migrations) throw new FaztError("INTERNAL", "the migrations are not loaded");
  const snapshot = openStore(partial, { create: false });
  try {
    applyMigrations(snapshot.sqlite, migrations);
    const copied = copyDatabase(source, snapshot.engine);
    if (!copied.ok) {
      const bad = copied.tables.filter((t) => !t.ok).map((t) => t.table);
      throw new FaztError("INTERNAL", `the snapshot does not match the database in: ${bad.join(", ")}`);
    }
    // One self-contained file: no -wal beside it.
    snapshot.sqlite.exec("PRAGMA journal_mode = DELETE");
  } finally {
    snapshot.close();
  }
  for (const p of [`${partial}-wal`, `${partial}-shm`]) rmSync(p, { force: true });
}

/**
 * Writes a consistent snapshot of the open database into `file` (which must
 * not exist): `VACUUM INTO` (SQLite) or a checked copy (PostgreSQL) into a
 * hidden file next to it, fsync, then hard-link it into place, which fails
 * rather than overwrite.
 */
export function vacuumInto(engine: Engine, file: string): void {
  const dir = dirname(file);
  ensureDir(dir);
  if (existsSync(file)) throw new FaztError("CONFLICT", `${file} already exists: choose another file name`);
  const partial = join(dir, `.${basename(file)}.partial-${process.pid}-${Date.now()}`);
  try {
    // An empty file with a private mode: VACUUM INTO accepts an empty target.
    closeSync(openSync(partial, "wx", 0o600));
    if (engine.dialect === "sqlite") engine.run("VACUUM INTO ?", [partial]);
    else copyPostgresInto(engine, partial);
    chmodSync(partial, 0o600);
    fsyncPath(partial, "r+");
    try {
      linkSync(partial, file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST")
        throw new FaztError("CONFLICT", `${file} already exists: choose another file name`);
      // No hard links on this filesystem: check, then rename.
      if (existsSync(file))
        throw new FaztError("CONFLICT", `${file} already exists: choose another file name`);
      renameSync(partial, file);
    }
    fsyncPath(dir);
  } catch (e) {
    if (e instanceof FaztError) throw e;
    throw new FaztError("INTERNAL", `could not write the backup ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    rmSync(partial, { force: true });
  }
}

export function infoOf(file: string, createdAt: number, reason: string | null): BackupInfo {
  return { file, bytes: statSync(file).size, createdAt, reason };
}

/**
 * Snapshots the database while it is in use (readers and writers go on; the
 * snapshot holds every transaction committed before it started). Without
 * `file` it goes to the backups folder, named after the time and `reason`.
 */
export function createBackup(
  store: BackupSource,
  file?: string,
  reason?: string,
  now = Date.now(),
): BackupInfo {
  const why = cleanReason(reason);
  // Several nodes on one PostgreSQL database: one writes a snapshot at a time (a plain call on SQLite).
  const release = trySingleNodeLock(store.engine, "backup");
  if (!release)
    throw new FaztError("CONFLICT", "another node is writing a backup right now: try again in a minute");
  try {
    if (file !== undefined && file !== "") {
      const target = resolve(file);
      vacuumInto(store.engine, target);
      return infoOf(target, now, why ?? null);
    }
    const dir = backupDir(store.path);
    ensureDir(dir);
    const target = defaultName(dir, now, why);
    vacuumInto(store.engine, target);
    return infoOf(target, parseName(basename(target))?.createdAt ?? now, why ?? null);
  } finally {
    release();
  }
}

interface Parsed {
  createdAt: number;
  seq: number;
  reason: string | null;
}

export function parseName(name: string): Parsed | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, seq, reason] = m;
  const createdAt = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(createdAt)) return null;
  return { createdAt, seq: seq ? Number(seq) : 1, reason: reason ?? null };
}

function scan(dir: string): Array<BackupInfo & { seq: number }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<BackupInfo & { seq: number }> = [];
  for (const name of names) {
    const p = parseName(name);
    if (!p) continue;
    const file = join(dir, name);
    try {
      const st = statSync(file);
      if (!st.isFile()) continue;
      out.push({ file, bytes: st.size, createdAt: p.createdAt, reason: p.reason, seq: p.seq });
    } catch {
      // removed while listing
    }
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
}

/** The snapshots in the backups folder of the database at `dbPath`, newest first. */
export function listBackups(dbPath: string): BackupInfo[] {
  return scan(backupDir(dbPath)).map(({ seq: _, ...info }) => info);
}

/** Deletes all but the newest `keep` automatic snapshots in `dir`; others are never touched. */
export function pruneBackups(dir: string, keep: number): string[] {
  const autos = scan(dir).filter((b) => b.reason === "auto");
  const removed: string[] = [];
  for (const b of autos.slice(Math.max(0, keep))) {
    rmSync(b.file, { force: true });
    removed.push(b.file);
  }
  return removed;
}

/**
 * The daily snapshot: when the newest `auto` one is older than 24 hours (or
 * there is none), takes one and prunes to `keep`. `keep` 0 turns it off.
 */
export function autoSnapshot(
  store: BackupSource,
  keep: number,
  now = Date.now(),
): { created: BackupInfo | null; pruned: string[] } {
  if (keep <= 0 || store.path === "" || store.path === ":memory:") return { created: null, pruned: [] };
  const dir = backupDir(store.path);
  const newest = scan(dir).find((b) => b.reason === "auto");
  if (newest && now - newest.createdAt < DAY) return { created: null, pruned: [] };
  const created = createBackup(store, undefined, "auto", now);
  return { created, pruned: pruneBackups(dir, keep) };
}

/**
 * Before `app remove`: a snapshot holding the app, taken only when there is
 * an app that can be removed (not for a 404, nor for the seeded apps' 409).
 */
export function snapshotBeforeRemove(store: BackupSource, app: string): BackupInfo | null {
  if ((SEEDED_APPS as readonly string[]).includes(app)) return null;
  const exists = store.engine.get("SELECT 1 AS found FROM apps WHERE name = ?", [app]);
  return exists ? createBackup(store, undefined, `pre-remove-${app}`) : null;
}
