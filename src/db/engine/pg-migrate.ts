/**
 * Migrations on PostgreSQL follow SQLite's (docs/operations.md, "PostgreSQL"):
 * `fazt_migrations` holds the same numbers and tags as on SQLite, and
 * bringing a database to migration N makes its tables equal to `schema.ts`
 * as of N, derived through pg-schema.ts: missing tables, columns, foreign keys
 * and indexes are created. A migration that renames or drops something needs
 * its PostgreSQL statements in `HAND_WRITTEN` (drizzle-kit wrote SQLite's).
 * Everything runs in one transaction under an advisory lock, so two nodes
 * starting together migrate once, and a crash leaves the old schema or the new.
 */
import { FaztError, sha256Hex } from "../../core/index.ts";
import type { Migration } from "../migrate.ts";
import {
  columnDdl,
  createTableDdl,
  foreignKeyDdl,
  indexDdl,
  MIGRATIONS_TABLE_DDL,
  schemaTables,
} from "./pg-schema.ts";
import type { Engine } from "./types.ts";

/** PostgreSQL statements a migration needs beyond what pg-schema.ts derives, by tag (run before the derivation). */
const HAND_WRITTEN: Record<string, string> = {};

/** Any constant the nodes agree on: the key of the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 0x66617a74; // "fazt"

export function postgresSchemaVersion(engine: Engine): number {
  const exists = engine.get<{ t: string | null }>("SELECT to_regclass('fazt_migrations')::text AS t");
  if (!exists?.t) return 0;
  return engine.get<{ n: number | null }>("SELECT max(number) AS n FROM fazt_migrations")?.n ?? 0;
}

export function migratePostgres(engine: Engine, migrations: Migration[]): { from: number; to: number } {
  const known = migrations.length;
  return engine.transaction(() => {
    engine.get("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK]);
    engine.exec(MIGRATIONS_TABLE_DDL);
    const from = postgresSchemaVersion(engine);
    if (from > known) {
      throw new FaztError(
        "SCHEMA_TOO_NEW",
        `database ${engine.target} has schema ${from}, newer than this fazt knows (${known}): upgrade fazt (\`fazt upgrade\`)`,
      );
    }
    if (from === known) return { from, to: from };
    for (const m of migrations.slice(from)) {
      const sql = HAND_WRITTEN[m.tag];
      if (sql) engine.exec(sql);
    }
    deriveSchema(engine);
    for (const m of migrations.slice(from)) {
      engine.run("INSERT INTO fazt_migrations (number, tag, hash, applied_at) VALUES (?, ?, ?, ?)", [
        m.number,
        m.tag,
        sha256Hex(m.sql),
        Date.now(),
      ]);
    }
    return { from, to: known };
  });
}

/** Creates what `schema.ts` has and the database lacks; never drops anything. */
function deriveSchema(engine: Engine): void {
  const tables = new Set(
    engine
      .all<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
      )
      .map((r) => r.name),
  );
  const columns = new Set(
    engine
      .all<{ t: string; c: string }>(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema()",
      )
      .map((r) => `${r.t}.${r.c}`),
  );
  const constraints = new Set(
    engine
      .all<{ name: string }>(
        "SELECT conname AS name FROM pg_constraint WHERE connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
      )
      .map((r) => r.name),
  );
  const indexes = new Set(
    engine
      .all<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()")
      .map((r) => r.name),
  );
  const specs = schemaTables();
  for (const t of specs) {
    if (!tables.has(t.name)) {
      engine.exec(createTableDdl(t));
      continue;
    }
    for (const c of t.columns) {
      if (!columns.has(`${t.name}.${c.name}`))
        engine.exec(`ALTER TABLE "${t.name}" ADD COLUMN ${columnDdl(c)}`);
    }
  }
  // After every table exists: foreign keys may point forward (apps → versions → apps).
  for (const t of specs) {
    for (const fk of t.foreignKeys) if (!constraints.has(fk.name)) engine.exec(foreignKeyDdl(t.name, fk));
    for (const i of t.indexes) if (!indexes.has(i.name)) engine.exec(indexDdl(t.name, i));
  }
}
