import { afterAll, beforeAll } from "bun:test";
import { join } from "node:path";
import { newId } from "../../src/core/ids.ts";
import { type Engine, openEngine, type Store } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { tempDir } from "../helpers/temp.ts";

/** Inserts a bare app row (storage rows reference apps.id) and returns its id. */
export function makeApp(db: Store | Engine, name: string): string {
  const engine = "dialect" in db ? db : db.engine;
  const id = newId("app");
  const t = Date.now();
  engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, 0, ?, ?)", [
    id,
    name,
    t,
    t,
  ]);
  return id;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engines a storage test runs on: SQLite, and PostgreSQL (tests/helpers/postgres.ts: required under CI). */
export const ENGINES = [
  {
    dialect: "sqlite",
    target: async () => join(tempDir(), `data-${Math.random().toString(36).slice(2)}.db`),
  },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

/** A migrated database on one engine for the tests of a `describe`, opened before them, closed after. */
export function useEngine(target: () => Promise<string>): { current: Engine } {
  const ref = {} as { current: Engine };
  beforeAll(async () => {
    ref.current = await openEngine(await target());
  });
  // Temp folders are the file's to remove (cleanupTemp at its end): a store of the file may still be open here.
  afterAll(() => ref.current.close());
  return ref;
}
