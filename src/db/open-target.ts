import { FaztError } from "../core/index.ts";
import { isPostgresUrl, openEngine } from "./engine/index.ts";
import type { Engine } from "./engine/types.ts";
import type { Store } from "./open.ts";
import { openDatabase } from "./open-database.ts";

/**
 * Opens the server's database wherever it is (`resolveDatabaseTarget`): a
 * SQLite file as `openDatabase` does, or PostgreSQL (migrated), as a `Store`
 * whose `engine` is the only way in. `path` is then the URL with its
 * password, because runtime workers open their own connection from it: print
 * `store.engine.target` (redacted) instead, never `path`.
 */
export async function openStoreAt(target: string, opts: { create?: boolean } = {}): Promise<Store> {
  if (!isPostgresUrl(target)) return openDatabase(target, opts);
  return postgresStore(await openEngine(target), target);
}

function postgresStore(engine: Engine, url: string): Store {
  // Code still written against bun:sqlite fails loudly, naming the gap, instead of writing elsewhere.
  const sqliteOnly = (what: string): never => {
    throw new FaztError(
      "UNAVAILABLE",
      `${what} is SQLite-only and this server runs on PostgreSQL (${engine.target}): this part must go through the Engine`,
    );
  };
  let closed = false;
  return {
    get sqlite() {
      return sqliteOnly("the raw SQLite connection (store.sqlite)");
    },
    engine,
    path: url,
    close() {
      if (closed) return;
      closed = true;
      engine.close();
    },
  };
}
