/**
 * Restoring a snapshot (docs/operations.md, "Backups"): the candidate is
 * checked on a private copy, the current database is snapshotted first, and
 * the swap is refused while another process holds the database open.
 */
import { Database } from "bun:sqlite";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { FaztError } from "../core/index.ts";
import { isPostgresUrl, redactUrl, SqliteEngine } from "../db/index.ts";
import {
  type BackupInfo,
  backupDir,
  defaultName,
  ensureDir,
  fsyncPath,
  infoOf,
  parseName,
  SQLITE_MAGIC,
  vacuumInto,
} from "./backups.ts";

export interface RestoreResult {
  database: string;
  restoredFrom: string;
  /** The schema of the restored file (migrated up at the next start if older). */
  schema: number;
  /** The snapshot of the database that was replaced; null when there was none. */
  snapshot: BackupInfo | null;
}

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
    vacuumInto(new SqliteEngine(db, dbPath), target);
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
  if (isPostgresUrl(dbPath)) {
    // Swapping a file does not apply to a shared database that other nodes are serving from.
    throw new FaztError(
      "BAD_REQUEST",
      `the database is PostgreSQL (${redactUrl(dbPath)}): a backup is restored into it with \`fazt db copy --from BACKUP.db --to ${redactUrl(dbPath)} --force\` after stopping every node; nothing was changed`,
    );
  }
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

  const { loadMigrations } = await import("../db/index.ts");
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
