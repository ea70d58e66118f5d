import { Database } from "bun:sqlite";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { FaztError } from "../core/index.ts";
import { SqliteEngine } from "./engine/sqlite.ts";
import type { Engine } from "./engine/types.ts";

export interface Store {
  /** The raw connection, for pragmas, migrations and hot-path prepared statements. */
  sqlite: Database;
  /** The same connection behind the data layer's engine interface (engine/types.ts), made on first use. */
  readonly engine: Engine;
  path: string;
  close(): void;
}

/**
 * Refuses a path that exists but is not a regular file (a folder; a FIFO SQLite
 * would block on). `stat` opens nothing, so it cannot disturb SQLite's locks.
 */
function assertRegularFile(path: string): void {
  if (existsSync(path) && !statSync(path).isFile())
    throw new FaztError("DATABASE_UNREADABLE", `cannot open database ${path}: not a regular file`);
}

/**
 * Creates the database file with a private mode before SQLite writes to it,
 * only when it does not exist yet (`wx`): a descriptor of a file SQLite already
 * holds in this process is never opened, since closing it would drop every
 * POSIX lock the process holds on that file (see `openStore`).
 */
function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/** SQLite's own verdict on a file that is not a database, in words a person can act on. */
function unreadable(path: string, e: unknown): FaztError {
  const code = (e as { code?: unknown }).code;
  const why = code === "SQLITE_NOTADB" ? "not a SQLite database" : (e as Error).message;
  return new FaztError("DATABASE_UNREADABLE", `cannot open database ${path}: ${why}`);
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
 * Opens (creating if needed) the database in WAL mode with its pragmas. It
 * does not migrate: see `migrate()`.
 *
 * The file is only ever read through SQLite. Runtime workers open their own
 * connection in this process while the server's is live, and on POSIX closing
 * any descriptor of a file drops every lock the process holds on it: a header
 * check with `node:fs` once let a `sqlite3` shell, believing itself the last
 * user, delete `-wal`/`-shm` under the running server, and acknowledged writes
 * were lost (tests/db/other-process.test.ts).
 */
export function openStore(path: string, opts: { create?: boolean; maxSchema?: number } = {}): Store {
  const create = opts.create ?? true;
  if (!existsSync(path) && !create) {
    throw new FaztError("DATABASE_UNREADABLE", `no database at ${path}: run \`fazt server init\` first`);
  }
  const dir = dirname(path);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertRegularFile(path);
  let opened: Database | undefined;
  try {
    if (create) createPrivateFile(path);
    opened = new Database(path, { create: false, readwrite: true, strict: true });
    // Waiting for another process's lock touches no file; set it before the first read.
    opened.exec("PRAGMA busy_timeout = 5000");
    // The first read of the header: SQLite refuses a file that is not a database here
    // (SQLITE_NOTADB), and a corrupt one, before anything is written.
    opened.query("SELECT count(*) FROM sqlite_master").get();
    // A newer schema is refused before any pragma can write to the file.
    if (opts.maxSchema !== undefined) assertKnownSchema(opened, path, opts.maxSchema);
    opened.exec("PRAGMA journal_mode = WAL");
    opened.exec("PRAGMA synchronous = NORMAL");
    opened.exec("PRAGMA foreign_keys = ON");
    opened.exec("PRAGMA temp_store = MEMORY");
  } catch (e) {
    try {
      opened?.close();
    } catch {
      // already closed (a refused schema)
    }
    if (e instanceof FaztError) throw e;
    throw unreadable(path, e);
  }
  const sqlite = opened;
  restrictModes(path);
  let engine: SqliteEngine | undefined;
  let closed = false;
  return {
    get engine() {
      engine ??= new SqliteEngine(sqlite, path);
      return engine;
    },
    sqlite,
    path,
    close() {
      if (closed) return;
      closed = true;
      engine?.close();
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
