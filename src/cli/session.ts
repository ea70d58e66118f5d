import { FaztError } from "../core/index.ts";
import {
  isPostgresUrl,
  openStoreAt,
  redactUrl,
  resolveDatabaseTarget,
  resolveDbPath,
  type Store,
} from "../db/index.ts";
import type { Globals } from "./globals.ts";

/**
 * What every command is handed: the parsed globals and a way to reach the
 * local database. citty passes nothing down its tree, so the runner sets this
 * once before the command runs.
 */
export interface CliSession {
  globals: Globals;
  dbPath: string;
  /**
   * Where the database is: `--db`, `FAZT_DATABASE_URL` (PostgreSQL), or the
   * SQLite file `dbPath`. A URL keeps its password: print `shownTarget`.
   */
  target: string;
  /** `target` fit for output: a PostgreSQL URL without its password. */
  shownTarget: string;
  /**
   * Opens (migrating) the database — `target`, or `opts.target` (a command's
   * `--database`); closed by the runner when the command ends.
   */
  openStore(opts?: { create?: boolean; target?: string }): Promise<Store>;
  /** Refuses `@PEER` for commands that only act on this machine. */
  localOnly(command: string): void;
}

let current: CliSession | undefined;
const opened: Store[] = [];

export function beginSession(globals: Globals): CliSession {
  const dbPath = resolveDbPath(globals.db);
  const target = resolveDatabaseTarget(globals.db);
  current = {
    globals,
    dbPath,
    target,
    shownTarget: isPostgresUrl(target) ? redactUrl(target) : target,
    async openStore(opts) {
      const store = await openStoreAt(opts?.target ?? target, { create: opts?.create });
      opened.push(store);
      return store;
    },
    localOnly(command) {
      if (globals.peer) {
        throw new FaztError("USAGE", `\`fazt ${command}\` acts on this machine only: drop @${globals.peer}`);
      }
    },
  };
  return current;
}

export function session(): CliSession {
  if (!current) throw new Error("CLI session not started");
  return current;
}

export function endSession(): void {
  for (const store of opened.splice(0)) store.close();
}
