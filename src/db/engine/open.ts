import { FaztError } from "../../core/index.ts";
import { loadMigrations } from "../migrate.ts";
import { openDatabase } from "../open-database.ts";
import { resolveDbPath } from "../path.ts";
import { redactUrl } from "./errors.ts";
import { SqliteEngine } from "./sqlite.ts";
import type { Engine } from "./types.ts";

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Where the database is: `--database URL|PATH` > `FAZT_DATABASE_URL` > the
 * SQLite file of `resolveDbPath` (`--db`, `FAZT_DB_PATH`, `~/.fazt/data.db`).
 */
export function resolveDatabaseTarget(
  flag?: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  if (flag) return isPostgresUrl(flag) ? flag : resolveDbPath(flag, env);
  if (env.FAZT_DATABASE_URL) return env.FAZT_DATABASE_URL;
  return resolveDbPath(undefined, env);
}

/**
 * Opens a database by where it is — a file path (SQLite, with the pragmas and
 * safety of `openStore`) or a `postgres://` URL — and brings its schema up to
 * this binary's. The engine owns its connection: `close()` ends it.
 */
export async function openEngine(target: string, opts: { create?: boolean } = {}): Promise<Engine> {
  if (isPostgresUrl(target)) {
    const migrations = await loadMigrations();
    const [{ PostgresEngine }, { migratePostgres }] = await Promise.all([
      import("./pg.ts"),
      import("./pg-migrate.ts"),
    ]);
    const engine = new PostgresEngine(target);
    try {
      await engine.ready;
      migratePostgres(engine, migrations);
    } catch (e) {
      engine.close();
      if (e instanceof FaztError) throw e;
      throw new FaztError(
        "DATABASE_UNREADABLE",
        `cannot migrate database ${redactUrl(target)}: ${(e as Error).message}`,
      );
    }
    return engine;
  }
  const store = await openDatabase(target, opts);
  return new SqliteEngine(store.sqlite, target, { onClose: () => store.close() });
}
