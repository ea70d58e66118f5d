/**
 * Backups (docs/operations.md): consistent snapshots with `VACUUM INTO`, a listing of
 * the snapshots next to the database, restore with checks and an atomic swap,
 * and pruning of the automatic ones.
 *
 * Snapshots made without a FILE go to `<db dir>/backups/` and are named
 * `fazt-YYYYMMDD-HHMMSS[-N][-reason].db` (UTC; `-N` only when two land in
 * the same second). The reason encodes the kind: `auto` (daily, pruned to
 * `backupKeep`), `pre-restore`, `pre-remove-APP`, or none for one a person
 * asked for. Only `auto` snapshots are ever deleted by Fazt.
 */
import { Database } from "bun:sqlite";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FaztError } from "../core/errors.ts";
import type { Store } from "../db/open.ts";
import { SEEDED_APPS } from "../deploy/apps.ts";

export interface BackupInfo {
  /** Absolute path of the snapshot. */
  file: string;
  bytes: number;
  /** Milliseconds (UTC), from the name for snapshots in the backups folder. */
  createdAt: number;
  /** `auto`, `pre-restore`, `pre-remove-APP`…; null for one made on request. */
  reason: string | null;
}

export interface RestoreResult {
  database: string;
  restoredFrom: string;
  /** The schema of the restored file (migrated up at the next start if older). */
  schema: number;
  /** The snapshot of the database that was replaced; null when there was none. */
  snapshot: BackupInfo | null;
}

const DAY = 24 * 60 * 60 * 1000;
const SQLITE_MAGIC = "SQLite format 3\0";
const NAME = /^fazt-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?(?:-([a-z][a-z0-9-]*))?\.db$/;

/** The folder of the automatic and pre-change snapshots of the database at `dbPath`. */
export function backupDir(dbPath: string): string {
  return join(dirname(resolve(dbPath)), "backups");
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
function defaultName(dir: string, now: number, reason: string | undefined): string {
  for (let n = 1; ; n++) {
    const name = `fazt-${stamp(now)}${n > 1 ? `-${n}` : ""}${reason ? `-${reason}` : ""}.db`;
    if (!existsSync(join(dir, name))) return join(dir, name);
  }
}

function fsyncPath(path: string, flags = "r"): void {
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

function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a consistent snapshot of the open database `sqlite` into `file`
 * (which must not exist): `VACUUM INTO` a hidden file next to it, fsync, then
 * hard-link it into place, which fails rather than overwrite.
 */
function vacuumInto(sqlite: Database, file: string): void {
  const dir = dirname(file);
  ensureDir(dir);
  if (existsSync(file)) throw new FaztError("CONFLICT", `${file} already exists: choose another file name`);
  const partial = join(dir, `.${basename(file)}.partial-${process.pid}-${Date.now()}`);
  try {
    // An empty file with a private mode: VACUUM INTO accepts an empty target.
    closeSync(openSync(partial, "wx", 0o600));
    sqlite.query("VACUUM INTO ?").run(partial);
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

function infoOf(file: string, createdAt: number, reason: string | null): BackupInfo {
  return { file, bytes: statSync(file).size, createdAt, reason };
}

/**
 * Snapshots the database while it is in use (readers and writers go on; the
 * snapshot holds every transaction committed before it started). Without
 * `file` it goes to the backups folder, named after the time and `reason`.
 */
export function createBackup(store: Store, file?: string, reason?: string, now = Date.now()): BackupInfo {
  const why = cleanReason(reason);
  if (file !== undefined && file !== "") {
    const target = resolve(file);
    vacuumInto(store.sqlite, target);
    return infoOf(target, now, why ?? null);
  }
  const dir = backupDir(store.path);
  ensureDir(dir);
  const target = defaultName(dir, now, why);
  vacuumInto(store.sqlite, target);
  return infoOf(target, parseName(basename(target))?.createdAt ?? now, why ?? null);
}

interface Parsed {
  createdAt: number;
  seq: number;
  reason: string | null;
}

function parseName(name: string): Parsed | null {
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
  store: Store,
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
export function snapshotBeforeRemove(store: Store, app: string): BackupInfo | null {
  if ((SEEDED_APPS as readonly string[]).includes(app)) return null;
  const exists = store.sqlite.query("SELECT 1 FROM apps WHERE name = ?").get(app);
  return exists ? createBackup(store, undefined, `pre-remove-${app}`) : null;
}

// ---------------------------------------------------------------------------
// Restore

function readHeader(path: string): string {
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString("latin1");
}

const notUsable = (file: string, why: string) =>
  new FaztError("BAD_REQUEST", `${file} is not a usable Fazt backup: ${why}; nothing was changed`);

/**
 * Checks that `path` (our private copy) is an intact Fazt database this
 * binary can open; returns its schema number. `shown` names it in messages.
 */
function inspectCandidate(path: string, shown: string, knownSchema: number): number {
  const st = statSync(path);
  if (st.size < 512 || readHeader(path) !== SQLITE_MAGIC) throw notUsable(shown, "not a SQLite database");
  let db: Database | undefined;
  try {
    db = new Database(path, { strict: true });
    const schema = db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    const check = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all();
    if (check.length !== 1 || check[0]?.integrity_check !== "ok") {
      throw notUsable(shown, `it is damaged (${check[0]?.integrity_check ?? "integrity check failed"})`);
    }
    const tables = new Set(
      db
        .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((r) => r.name),
    );
    const missing = ["fazt_migrations", "apps", "users"].filter((t) => !tables.has(t));
    if (missing.length > 0)
      throw notUsable(shown, `it is not a Fazt database (no ${missing.join(", ")} table)`);
    if (schema > knownSchema) {
      throw new FaztError(
        "SCHEMA_TOO_NEW",
        `${shown} has schema ${schema}, newer than this fazt knows (${knownSchema}): upgrade fazt (\`fazt upgrade\`) before restoring it; nothing was changed`,
      );
    }
    return schema;
  } catch (e) {
    if (e instanceof FaztError) throw e;
    throw notUsable(shown, `it is damaged (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}

/** Inode numbers of the database and its WAL companions that exist. */
function inodesOf(dbPath: string): Set<string> {
  const out = new Set<string>();
  for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    try {
      out.add(String(statSync(p).ino));
    } catch {
      // not there
    }
  }
  return out;
}

/**
 * Which other process holds SQLite locks on the database (every open WAL
 * connection keeps a read lock on `-shm`). Linux (and Android) list POSIX
 * locks in /proc/locks; elsewhere the configured port's /health is asked.
 * Returns a description of the user, or null.
 */
async function databaseUser(dbPath: string): Promise<string | null> {
  let locks: string | undefined;
  try {
    locks = readFileSync("/proc/locks", "utf8");
  } catch {
    locks = undefined;
  }
  if (locks !== undefined) {
    const inodes = inodesOf(dbPath);
    for (const line of locks.split("\n")) {
      // "1: POSIX  ADVISORY  READ 19704 fe:00:2180646 128 128"
      const m = /^\d+:\s+\S+\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/i.exec(line);
      if (m && Number(m[1]) !== process.pid && inodes.has(m[2]!)) return `process ${m[1]}`;
    }
    return null;
  }
  const port = configuredPort(dbPath);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? `a server on port ${port}` : null;
  } catch {
    return null;
  }
}

function configuredPort(dbPath: string): number {
  let db: Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true });
    const row = db.query<{ value: string }, []>("SELECT value FROM config WHERE key = 'port'").get();
    const port = row ? Number(JSON.parse(row.value)) : 4698;
    return Number.isInteger(port) ? port : 4698;
  } catch {
    return 4698;
  } finally {
    db?.close();
  }
}

/**
 * Snapshots the database about to be replaced (reason `pre-restore`). A file
 * SQLite cannot read is kept byte for byte instead, so nothing is ever lost.
 * SQLite reads the file first; the byte copy only happens once its connection
 * is closed, since closing another descriptor of a file SQLite holds drops the
 * process's locks on it (see openStore in src/db/open.ts).
 */
function snapshotCurrent(dbPath: string, now: number): BackupInfo {
  const dir = backupDir(dbPath);
  ensureDir(dir);
  const target = defaultName(dir, now, "pre-restore");
  const createdAt = parseName(basename(target))?.createdAt ?? now;
  let vacuumed = false;
  let db: Database | undefined;
  try {
    db = new Database(dbPath, { strict: true, create: false, readwrite: true });
    db.exec("PRAGMA busy_timeout = 5000");
    vacuumInto(db, target);
    vacuumed = true;
  } catch (e) {
    if (e instanceof FaztError && e.code === "CONFLICT") throw e;
    rmSync(target, { force: true });
  } finally {
    // The last connection to close checkpoints the WAL into the old file and removes it.
    db?.close();
  }
  if (!vacuumed) {
    copyFileSync(dbPath, target);
    chmodSync(target, 0o600);
    fsyncPath(target, "r+");
  }
  return infoOf(target, createdAt, "pre-restore");
}

/**
 * Replaces the database at `dbPath` with the backup `file`, after checking
 * it on a private copy (SQLite header, integrity, Fazt tables, a schema this
 * binary knows) and snapshotting the current database. Refused while another
 * process (a running server) has the database open. The swap is a rename in
 * the database's folder, so a crash leaves either the old file or the new.
 */
export async function restoreBackup(dbPath: string, file: string, now = Date.now()): Promise<RestoreResult> {
  const database = resolve(dbPath);
  const source = resolve(file);
  if (!existsSync(source)) throw new FaztError("NOT_FOUND", `no file at ${source}`);
  if (!statSync(source).isFile()) throw new FaztError("BAD_REQUEST", `${source} is not a regular file`);
  if (source === database) throw new FaztError("BAD_REQUEST", `${source} is the database itself`);

  const user = existsSync(database) ? await databaseUser(database) : null;
  if (user) {
    throw new FaztError(
      "CONFLICT",
      `the database ${database} is in use by ${user} (a running \`fazt server start\` or service?): stop it, restore, then start it again; nothing was changed`,
    );
  }

  const { loadMigrations } = await import("../db/migrate.ts");
  const known = (await loadMigrations()).length;
  const dir = dirname(database);
  ensureDir(dir);
  const tmp = `${database}.restore-tmp`;
  const clearTmp = () => {
    for (const p of [tmp, `${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(p, { force: true });
  };
  clearTmp();
  let schema: number;
  try {
    // Checked on a private copy: the user's file is only read, the database not touched yet.
    closeSync(openSync(tmp, "wx", 0o600));
    copyFileSync(source, tmp);
    chmodSync(tmp, 0o600);
    schema = inspectCandidate(tmp, source, known);
    for (const p of [`${tmp}-wal`, `${tmp}-shm`, `${tmp}-journal`]) rmSync(p, { force: true });
    fsyncPath(tmp, "r+");
  } catch (e) {
    clearTmp();
    throw e;
  }

  let snapshot: BackupInfo | null = null;
  try {
    if (existsSync(database)) snapshot = snapshotCurrent(database, now);
    // The old file's WAL must not be applied to the new one.
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    renameSync(tmp, database);
    fsyncPath(dir);
  } catch (e) {
    clearTmp();
    if (e instanceof FaztError) throw e;
    throw new FaztError("INTERNAL", `could not restore ${source}: ${(e as Error).message}`, { cause: e });
  }
  return { database, restoredFrom: source, schema, snapshot };
}
