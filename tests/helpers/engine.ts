/**
 * Which engine a test server or store runs on: `FAZT_TEST_ENGINE=sqlite`
 * (the default) or `postgres` (each server its own new database from
 * `freshDatabase()`). `bun run test` runs the storage, deploy, accounts and
 * runtime suites a second time on PostgreSQL (scripts/test.ts).
 */
import { join } from "node:path";
import { freshDatabase, postgresAvailable } from "./postgres.ts";

export type TestEngine = "sqlite" | "postgres";

export function testEngine(): TestEngine {
  const name = process.env.FAZT_TEST_ENGINE ?? "sqlite";
  if (name !== "sqlite" && name !== "postgres")
    throw new Error(`FAZT_TEST_ENGINE must be sqlite or postgres, not "${name}"`);
  return name;
}

/** Where a test's database goes: a file in `dir`, or a new PostgreSQL database (its URL). */
export async function testDatabaseTarget(dir: string): Promise<string> {
  if (testEngine() === "sqlite") return join(dir, "data.db");
  // Asked for by name: no PostgreSQL is a failure here, never a silent SQLite run.
  if (!postgresAvailable()) throw new Error("FAZT_TEST_ENGINE=postgres but no PostgreSQL is available");
  return freshDatabase();
}
