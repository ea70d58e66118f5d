import type { Database } from "bun:sqlite";
import { FaztError, listAssets, sha256Hex } from "../core/index.ts";

export interface Migration {
  /** 1-based: `PRAGMA user_version` holds the number of the last one applied. */
  number: number;
  tag: string;
  sql: string;
}

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

let cached: Migration[] | undefined;

/** The migrations drizzle-kit wrote into `drizzle/`, in journal order (embedded in the binary). */
export async function loadMigrations(): Promise<Migration[]> {
  if (cached) return cached;
  const files = new Map(await listAssets("drizzle"));
  const journalBlob = files.get("meta/_journal.json");
  if (!journalBlob)
    throw new FaztError("INTERNAL", "migrations are missing from this build (drizzle/meta/_journal.json)");
  const journal = (await journalBlob.json()) as Journal;
  const out: Migration[] = [];
  for (const entry of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
    const blob = files.get(`${entry.tag}.sql`);
    if (!blob) throw new FaztError("INTERNAL", `migration ${entry.tag}.sql is missing from this build`);
    out.push({ number: entry.idx + 1, tag: entry.tag, sql: await blob.text() });
  }
  cached = out;
  return out;
}

/** The migrations once `loadMigrations` has run in this process (every opened engine has), else undefined. */
export function cachedMigrations(): Migration[] | undefined {
  return cached;
}

export function schemaVersion(sqlite: Database): number {
  const row = sqlite.query<{ user_version: number }, []>("PRAGMA user_version").get();
  return row?.user_version ?? 0;
}

/**
 * Brings the database up to the binary's schema. Each migration runs in one
 * transaction with its bookkeeping row and `user_version`, so a crash leaves
 * either the old schema or the new one. A database from a newer Fazt is
 * refused before anything is written.
 */
export function applyMigrations(sqlite: Database, migrations: Migration[]): { from: number; to: number } {
  const known = migrations.length;
  const from = schemaVersion(sqlite);
  if (from > known) {
    throw new FaztError(
      "SCHEMA_TOO_NEW",
      `database schema ${from} is newer than this fazt knows (${known}): upgrade fazt (\`fazt upgrade\`) instead of opening it with an older binary`,
    );
  }
  if (from === known) return { from, to: from };
  const run = sqlite.transaction((m: Migration) => {
    sqlite.exec(
      "CREATE TABLE IF NOT EXISTS fazt_migrations (number INTEGER PRIMARY KEY, tag TEXT NOT NULL, hash TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    for (const statement of m.sql.split("--> statement-breakpoint")) {
      if (statement.trim()) sqlite.exec(statement);
    }
    sqlite
      .query("INSERT INTO fazt_migrations (number, tag, hash, applied_at) VALUES (?, ?, ?, ?)")
      .run(m.number, m.tag, sha256Hex(m.sql), Date.now());
    // PRAGMA does not take bound parameters; the number is ours, not input.
    sqlite.exec(`PRAGMA user_version = ${m.number}`);
  });
  for (const m of migrations.slice(from)) run.immediate(m);
  return { from, to: known };
}
