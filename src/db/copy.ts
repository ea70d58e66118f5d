/**
 * `fazt db copy`: moves an instance between engines (SQLite file ⇄
 * PostgreSQL) or between two databases of one engine. Both ends are opened
 * migrated to this binary's schema, so "schema first" is done before any row
 * moves; then every table is copied parents first in ONE target transaction
 * (a failure leaves the target as it was), read from one consistent snapshot
 * of the source, and finally checked row for row: a count and an
 * order-independent hash per table, on both ends.
 */
import { FaztError } from "../core/index.ts";
import { schemaTables, type TableSpec } from "./engine/pg-schema.ts";
import type { Engine, SqlValue } from "./engine/types.ts";

/** Rows of process state, not of the instance: which servers run where (a copy must not claim they run on the target). */
const NOT_COPIED = new Set(["running_servers"]);
/** Bound values per INSERT, under SQLite's and PostgreSQL's limits. */
const MAX_PARAMS = 900;

export interface TableCheck {
  table: string;
  source: number;
  target: number;
  sourceHash: string;
  targetHash: string;
  ok: boolean;
}

export interface CopyResult {
  from: string;
  to: string;
  tables: TableCheck[];
  rows: number;
  ok: boolean;
}

const quote = (name: string) => `"${name}"`;
const names = (cols: string[]) => cols.map(quote).join(", ");

/** Tables in an order where every table comes after the ones it refers to (cycles are broken; FKs are deferred anyway). */
export function copyOrder(tables: TableSpec[]): TableSpec[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: TableSpec[] = [];
  const visit = (t: TableSpec) => {
    if (done.has(t.name) || visiting.has(t.name)) return;
    visiting.add(t.name);
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.table);
      if (parent && parent !== t) visit(parent);
    }
    visiting.delete(t.name);
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

function copiedTables(): TableSpec[] {
  return copyOrder(schemaTables().filter((t) => !NOT_COPIED.has(t.name)));
}

function batchSize(t: TableSpec): number {
  // Rows with file contents can be megabytes each: fewer per page.
  return t.columns.some((c) => c.type === "bytea") ? 16 : 1000;
}

/** Every row of a table in primary-key order, a page at a time (keyset paging: no OFFSET scans). */
function* pages(engine: Engine, t: TableSpec): Generator<Record<string, SqlValue>[]> {
  const cols = names(t.columns.map((c) => c.name));
  const key = names(t.primaryKey);
  const size = batchSize(t);
  let last: SqlValue[] | undefined;
  for (;;) {
    const where = last ? `WHERE (${key}) > (${t.primaryKey.map(() => "?").join(", ")})` : "";
    const rows = engine.all<Record<string, SqlValue>>(
      `SELECT ${cols} FROM ${quote(t.name)} ${where} ORDER BY ${key} LIMIT ${size}`,
      last ?? [],
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < size) return;
    const end = rows[rows.length - 1] as Record<string, SqlValue>;
    last = t.primaryKey.map((k) => end[k]);
  }
}

function insertRows(engine: Engine, t: TableSpec, rows: Record<string, SqlValue>[]): void {
  const cols = t.columns.map((c) => c.name);
  const perInsert = Math.max(1, Math.floor(MAX_PARAMS / cols.length));
  const tuple = `(${cols.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += perInsert) {
    const chunk = rows.slice(i, i + perInsert);
    const params: SqlValue[] = [];
    for (const row of chunk) for (const c of cols) params.push(row[c] ?? null);
    engine.run(
      `INSERT INTO ${quote(t.name)} (${names(cols)}) VALUES ${chunk.map(() => tuple).join(", ")}`,
      params,
    );
  }
}

/** The count and an order-independent digest of a table: the sum of its rows' sha256, mod 2^256. */
export function tableDigest(engine: Engine, t: TableSpec): { count: number; hash: string } {
  let count = 0;
  let sum = 0n;
  const mod = 1n << 256n;
  for (const rows of pages(engine, t)) {
    for (const row of rows) {
      const h = new Bun.CryptoHasher("sha256");
      for (const c of t.columns) {
        const v = row[c.name];
        if (v === null || v === undefined) h.update("N;");
        else if (v instanceof Uint8Array) h.update(`B${v.length}:`).update(v);
        else if (typeof v === "string") h.update(`S${v.length}:`).update(v);
        else h.update(`V${String(v)};`);
      }
      sum = (sum + BigInt(`0x${h.digest("hex")}`)) % mod;
      count++;
    }
  }
  return { count, hash: sum.toString(16).padStart(64, "0") };
}

function rowCount(engine: Engine, t: TableSpec): number {
  return engine.get<{ n: number }>(`SELECT count(*) AS n FROM ${quote(t.name)}`)?.n ?? 0;
}

function deferForeignKeys(engine: Engine): void {
  // Tables refer to each other (apps ↔ versions, sessions → sessions): check at COMMIT, not per row.
  engine.exec(
    engine.dialect === "sqlite" ? "PRAGMA defer_foreign_keys = ON" : "SET CONSTRAINTS ALL DEFERRED",
  );
}

/** PostgreSQL's identity columns count on from the copied rows (SQLite's AUTOINCREMENT does on its own). */
function resetIdentities(engine: Engine, tables: TableSpec[]): void {
  if (engine.dialect !== "postgres") return;
  for (const t of tables) {
    for (const c of t.columns.filter((col) => col.identity)) {
      engine.get(
        `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max(${quote(c.name)}) FROM ${quote(t.name)}), 0) + 1, false)`,
        [t.name, c.name],
      );
    }
  }
}

export function copyDatabase(source: Engine, target: Engine, opts: { force?: boolean } = {}): CopyResult {
  const tables = copiedTables();
  if (!opts.force) {
    const filled = tables.map((t) => ({ t: t.name, n: rowCount(target, t) })).filter((x) => x.n > 0);
    if (filled.length > 0) {
      throw new FaztError(
        "CONFLICT",
        `the target ${target.target} is not empty (${filled.map((x) => `${x.t}: ${x.n} rows`).join(", ")}): pass --force to replace its contents`,
      );
    }
  }
  let rows = 0;
  target.transaction(
    () => {
      deferForeignKeys(target);
      if (opts.force) for (const t of [...tables].reverse()) target.run(`DELETE FROM ${quote(t.name)}`);
      source.transaction(() => {
        // One snapshot of the source for every table (SQLite's read transaction is one already).
        if (source.dialect === "postgres")
          source.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        for (const t of tables) {
          for (const page of pages(source, t)) {
            insertRows(target, t, page);
            rows += page.length;
          }
        }
      });
      resetIdentities(target, tables);
    },
    { immediate: true },
  );
  const checks = tables.map((t) => {
    const a = tableDigest(source, t);
    const b = tableDigest(target, t);
    return {
      table: t.name,
      source: a.count,
      target: b.count,
      sourceHash: a.hash,
      targetHash: b.hash,
      ok: a.count === b.count && a.hash === b.hash,
    };
  });
  return { from: source.target, to: target.target, tables: checks, rows, ok: checks.every((c) => c.ok) };
}
