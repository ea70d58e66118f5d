import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { FaztError } from "../core/errors.ts";
export type Db = BunSQLiteDatabase;

export interface Store {
  /** Drizzle over the connection, for typed queries (made on first use: start-up stays lean). */
  readonly db: Db;
  /** The raw connection, for pragmas, migrations and hot-path prepared statements. */
  sqlite: Database;
  path: string;
  close(): void;
}

const SQLITE_MAGIC = "SQLite format 3\0";

/** Refuses a file that exists but is not a SQLite database, before SQLite touches it. */
function assertSqliteFile(path: string): void {
  if (!existsSync(path)) return;
  const st = statSync(path);
  if (!st.isFile())
    throw new FaztError("DATABASE_UNREADABLE", `cannot open database ${path}: not a regular file`);
  if (st.size === 0) return;
  const header = Buffer.alloc(16);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new FaztError("DATABASE_UNREADABLE", `cannot read database ${path}: ${(e as Error).message}`);
  }
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1") !== SQLITE_MAGIC) {
    throw new FaztError("DATABASE_UNREADABLE", `cannot open database ${path}: not a SQLite database`);
  }
}

function assertKnownSchema(sqlite: Database, path: string, known: number): void {
  const row = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get();
  const found = row?.user_version ?? 0;
  if (found > known) {
    sqlite.close();
    throw new FaztError(
      "SCHEMA_TOO_NEW",
      `database ${path} has schema ${found}, newer than this fazt knows (${known}): upgrade fazt (\`fazt upgrade\`); the file was left untouched`,
    );
  }
}

/** The database file and its WAL companions are private to the user. */
function restrictModes(path: string): void {
  for (const p of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(p)) chmodSync(p, 0o600);
  }
}

/**
 * Opens (creating if needed) the database with the pragmas of SPEC §2.
 * It does not migrate: see `migrate()`.
 */
export function openStore(path: string, opts: { create?: boolean; maxSchema?: number } = {}): Store {
  const create = opts.create ?? true;
  if (!existsSync(path) && !create) {
    throw new FaztError("DATABASE_UNREADABLE", `no database at ${path}: run \`fazt server init\` first`);
  }
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertSqliteFile(path);
  let sqlite: Database;
  try {
    // Create the file with a private mode before SQLite writes anything.
    if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
    sqlite = new Database(path, { create: true, strict: true });
    // Refuse a newer schema before any pragma can write to the file.
    if (opts.maxSchema !== undefined) assertKnownSchema(sqlite, path, opts.maxSchema);
    sqlite.exec("PRAGMA journal_mode = WAL");
    sqlite.exec("PRAGMA synchronous = NORMAL");
    sqlite.exec("PRAGMA foreign_keys = ON");
    sqlite.exec("PRAGMA busy_timeout = 5000");
    sqlite.exec("PRAGMA temp_store = MEMORY");
    // Touch the schema so a corrupt file fails here, with a clear message.
    sqlite.query("SELECT count(*) FROM sqlite_master").get();
  } catch (e) {
    if (e instanceof FaztError) throw e;
    throw new FaztError("DATABASE_UNREADABLE", `cannot open database ${path}: ${(e as Error).message}`);
  }
  restrictModes(path);
  let db: Db | undefined;
  let closed = false;
  return {
    get db() {
      db ??= drizzle({ client: sqlite });
      return db;
    },
    sqlite,
    path,
    close() {
      if (closed) return;
      closed = true;
      try {
        sqlite.exec("PRAGMA optimize");
      } catch {
        // best effort
      }
      sqlite.close();
    },
  };
}

export { restrictModes };
