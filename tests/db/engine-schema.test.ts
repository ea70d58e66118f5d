/**
 * Both engines end with the same schema: the SQLite file migrated by
 * drizzle-kit's SQL (drizzle/), and PostgreSQL migrated from schema.ts
 * (src/db/engine/pg-migrate.ts). Same tables, columns (equivalent types,
 * nullability, defaults, identity), primary keys, indexes and foreign keys.
 * Column order is not compared: a column added later comes last on either
 * engine, so SQL names its columns (no `INSERT … VALUES` without a list).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Engine, openEngine } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

interface Shape {
  columns: string[];
  primaryKey: string[];
  indexes: string[];
  foreignKeys: string[];
}
type Schema = Record<string, Shape>;

const TYPE: Record<string, string> = {
  integer: "integer",
  bigint: "integer",
  text: "text",
  blob: "blob",
  bytea: "blob",
};
const normalDefault = (d: string | null) =>
  d === null ? "-" : d === "false" ? "0" : d === "true" ? "1" : d.replace(/::[a-z ]+$/, "");

function sqliteSchema(engine: Engine): Schema {
  const out: Schema = {};
  const tables = engine.all<{ name: string; sql: string }>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  for (const { name, sql } of tables) {
    const info = engine.all<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>(`PRAGMA table_info("${name}")`);
    const autoincrement = /AUTOINCREMENT/i.test(sql);
    const columns = info.map((c) => {
      const identity = autoincrement && c.pk === 1 && c.type.toLowerCase() === "integer";
      return `${c.name} ${TYPE[c.type.toLowerCase()]} ${c.notnull || c.pk ? "not null" : "null"} default ${normalDefault(c.dflt_value)}${identity ? " identity" : ""}`;
    });
    // SQLite's implicit rowid, a declared identity column on PostgreSQL (pg-schema.ts IMPLICIT_COLUMNS).
    if (name === "app_docs") columns.push("rowid integer not null default - identity");
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const indexes = engine
      .all<{ name: string; unique: number; origin: string }>(`PRAGMA index_list("${name}")`)
      .filter((i) => i.origin !== "pk")
      .map((i) => {
        const cols = engine.all<{ name: string }>(`PRAGMA index_info("${i.name}")`).map((c) => c.name);
        return `${i.name} ${i.unique ? "unique " : ""}(${cols.join(", ")})`;
      });
    const fkRows = engine.all<{ id: number; table: string; from: string; to: string; on_delete: string }>(
      `PRAGMA foreign_key_list("${name}")`,
    );
    const byId = new Map<number, typeof fkRows>();
    for (const r of fkRows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    const foreignKeys = [...byId.values()].map(
      (rs) =>
        `(${rs.map((r) => r.from).join(", ")}) → ${rs[0]?.table}(${rs.map((r) => r.to).join(", ")}) on delete ${rs[0]?.on_delete.toLowerCase()}`,
    );
    out[name] = {
      columns: columns.sort(),
      primaryKey,
      indexes: indexes.sort(),
      foreignKeys: foreignKeys.sort(),
    };
  }
  return out;
}

const ON_DELETE: Record<string, string> = {
  a: "no action",
  r: "restrict",
  c: "cascade",
  n: "set null",
  d: "set default",
};

function postgresSchema(engine: Engine): Schema {
  const out: Schema = {};
  const tables = engine.all<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name",
  );
  for (const { name } of tables) {
    const columns = engine
      .all<{ name: string; type: string; nullable: string; dflt: string | null; identity: string }>(
        "SELECT column_name AS name, data_type AS type, is_nullable AS nullable, column_default AS dflt, is_identity AS identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [name],
      )
      .map(
        (c) =>
          `${c.name} ${TYPE[c.type]} ${c.nullable === "NO" ? "not null" : "null"} default ${normalDefault(c.dflt)}${c.identity === "YES" ? " identity" : ""}`,
      );
    const indexRows = engine.all<{ name: string; unique: boolean; primary: boolean; cols: string }>(
      `SELECT i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
              (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum) AS cols
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = to_regclass(?)`,
      [name],
    );
    const primaryKey = indexRows.find((i) => i.primary)?.cols.split(", ") ?? [];
    const indexes = indexRows
      .filter((i) => !i.primary)
      .map((i) => `${i.name} ${i.unique ? "unique " : ""}(${i.cols})`)
      .sort();
    const foreignKeys = engine
      .all<{ cols: string; ref: string; refcols: string; del: string }>(
        `SELECT (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
                c.confrelid::regclass::text AS ref,
                (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols,
                c.confdeltype AS del
           FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = to_regclass(?)`,
        [name],
      )
      .map((f) => `(${f.cols}) → ${f.ref}(${f.refcols}) on delete ${ON_DELETE[f.del]}`)
      .sort();
    out[name] = { columns: columns.sort(), primaryKey, indexes, foreignKeys };
  }
  return out;
}

describe.skipIf(!postgresAvailable())("schema parity", () => {
  test("SQLite (drizzle-kit migrations) and PostgreSQL (derived from schema.ts) have the same schema", async () => {
    const sqlite = await openEngine(join(tempDir(), "data.db"));
    const pg = await openEngine(await freshDatabase());
    try {
      const a = sqliteSchema(sqlite);
      const b = postgresSchema(pg);
      expect(Object.keys(a).length).toBeGreaterThan(20);
      expect(b).toEqual(a);
      // one spot check, so a normalisation bug cannot make both sides empty alike
      expect(a.app_logs?.columns).toContain("id integer not null default - identity");
      expect(a.version_files?.primaryKey).toEqual(["version_id", "path"]);
    } finally {
      sqlite.close();
      pg.close();
    }
  });

  test("a database one migration behind is brought up to date, keeping its rows", async () => {
    const url = await freshDatabase();
    const first = await openEngine(url);
    // Undo what migration 0001 added, as if the database were made by a binary that knew only 0000.
    first.exec(`DROP TABLE auth_handoffs; DROP TABLE running_servers;
      ALTER TABLE api_keys DROP COLUMN apps; ALTER TABLE oauth_states DROP COLUMN ip; ALTER TABLE sessions DROP COLUMN parent_id;
      DELETE FROM fazt_migrations WHERE number > 1`);
    first.run("INSERT INTO config (key, value, updated_at) VALUES ('kept', '1', 0)");
    first.close();
    const again = await openEngine(url);
    const fresh = await openEngine(await freshDatabase());
    try {
      expect(postgresSchema(again)).toEqual(postgresSchema(fresh));
      expect(again.get("SELECT value FROM config WHERE key = 'kept'")).toEqual({ value: "1" });
      expect(again.all("SELECT number FROM fazt_migrations ORDER BY number")).toEqual(
        fresh.all("SELECT number FROM fazt_migrations ORDER BY number"),
      );
    } finally {
      again.close();
      fresh.close();
    }
  });

  test("a database from a newer fazt is refused", async () => {
    const url = await freshDatabase();
    const engine = await openEngine(url);
    engine.run("INSERT INTO fazt_migrations (number, tag, hash, applied_at) VALUES (999, 'future', 'x', 0)");
    engine.close();
    const e = await openEngine(url).then(
      () => null,
      (err) => err,
    );
    expect(e?.code).toBe("SCHEMA_TOO_NEW");
  });
});
