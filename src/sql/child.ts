/**
 * The SQL console's query process (see run.ts for why it is a process). It
 * reads one request as JSON on stdin, runs ONE statement on a connection of
 * its own and writes one JSON line on stdout: `{"data": …}` or
 * `{"error": {"code", "message"}}`. Nothing else is ever printed there.
 *
 * Read-only requests are held by SQLite, never by reading the SQL:
 * - the connection is opened read-only (`SQLITE_OPEN_READONLY`: no SQL can lift
 *   it, and an `ATTACH` of a new file cannot create it), with `query_only` on;
 * - a statement SQLite itself reports as writing (`sqlite3_stmt_readonly` is
 *   false) is refused before its first step. That catches what a read-only
 *   connection lets through: `VACUUM INTO` writes a new file even there, and
 *   `CREATE TEMP …` writes the connection's temporary database;
 * - only one statement is compiled (`prepare` ignores the rest of the text) and
 *   text after it is refused, so nothing can follow a harmless first one.
 */
import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { type CellValue, renderRow } from "./values.ts";

export interface ChildRequest {
  path: string;
  query: string;
  params: Array<string | number | boolean | null>;
  write: boolean;
  maxRows: number;
  /** Rows stop being collected once their JSON passes this many bytes (`truncated`). */
  maxBytes: number;
}

export interface SqlResult {
  columns: string[];
  rows: CellValue[][];
  rowsAffected: number;
  truncated: boolean;
  ms: number;
}

type Failure = { code: "READ_ONLY" | "BAD_REQUEST" | "INTERNAL"; message: string };

class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

const refuse = (code: Failure["code"], message: string) => new Refusal({ code, message });

function open(req: ChildRequest): Database {
  if (!req.write) {
    const db = new Database(req.path, { readonly: true, safeIntegers: true, strict: true });
    db.exec("PRAGMA busy_timeout = 4000");
    db.exec("PRAGMA query_only = 1");
    return db;
  }
  const db = new Database(req.path, { readwrite: true, create: false, safeIntegers: true, strict: true });
  // The same connection settings as the server's own (src/db/open.ts).
  db.exec("PRAGMA busy_timeout = 4000");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}

/** Whether `text` holds no statement at all (only spaces, `;` or comments), as SQLite sees it. */
function holdsNothing(db: Database, text: string): boolean {
  if (text.trim() === "" || /^[\s;]*$/.test(text)) return true;
  try {
    db.prepare(text).finalize();
    return false;
  } catch (e) {
    // bun:sqlite answers a text with no statement in it with a RangeError; SQL errors are SQLiteErrors.
    return e instanceof RangeError;
  }
}

/**
 * Compiles the first statement of `query` and refuses any statement after it.
 * Where the first one ends is asked of SQLite: cut the text after each `;` in
 * turn, and the first cut that compiles to the very same statement is its end
 * (a `;` inside a string, a comment or a trigger body gives an error or a
 * different statement).
 */
function prepareOne(db: Database, query: string): Statement {
  const stmt = db.prepare(query);
  if (!query.includes(";")) return stmt;
  const whole = stmt.toString();
  for (let i = query.indexOf(";"); i >= 0; i = query.indexOf(";", i + 1)) {
    let same = false;
    try {
      const cut = db.prepare(query.slice(0, i + 1));
      same = cut.toString() === whole;
      cut.finalize();
    } catch {
      same = false;
    }
    if (!same) continue;
    if (holdsNothing(db, query.slice(i + 1))) return stmt;
    stmt.finalize();
    throw refuse("BAD_REQUEST", "send one statement at a time: there is more SQL after the first statement");
  }
  return stmt;
}

function execute(db: Database, req: ChildRequest): SqlResult {
  const started = performance.now();
  const stmt = prepareOne(db, req.query);
  if (!req.write && !stmt.readonly) {
    throw refuse("READ_ONLY", "this statement writes: send it with write (--write in the CLI) to run it");
  }
  if (stmt.paramsCount !== req.params.length) {
    throw refuse(
      "BAD_REQUEST",
      `the statement takes ${stmt.paramsCount} parameter(s); ${req.params.length} were given`,
    );
  }
  const params = req.params as SQLQueryBindings[];
  const columns = stmt.columnNames;
  const rows: CellValue[][] = [];
  let truncated = false;
  let bytes = 0;
  const keep = (row: CellValue[]) => {
    if (truncated) return;
    const size = JSON.stringify(row).length;
    if (rows.length >= req.maxRows || bytes + size > req.maxBytes) {
      truncated = true;
      return;
    }
    bytes += size;
    rows.push(row);
  };
  let rowsAffected = 0;
  if (columns.length === 0) {
    const changes = stmt.run(...params).changes;
    rowsAffected = req.write ? changes : 0;
  } else if (new Set(columns).size === columns.length) {
    // One row at a time: a read stops after the first row past the cap. A write
    // (`… RETURNING`) runs to its end so all of it happens, keeping the first rows.
    for (const obj of stmt.iterate(...params) as IterableIterator<Record<string, unknown>>) {
      keep(renderRow(columns.map((c) => obj[c])));
      if (truncated && !req.write) break;
    }
    if (req.write) rowsAffected = changes(db);
  } else {
    // Rows as objects would lose all but one of the columns sharing a name: take arrays, all at once.
    for (const row of stmt.values(...params)) keep(renderRow(row));
    if (req.write) rowsAffected = changes(db);
  }
  stmt.finalize();
  return { columns, rows, rowsAffected, truncated, ms: Math.round((performance.now() - started) * 10) / 10 };
}

const changes = (db: Database): number =>
  Number(db.query<{ n: number | bigint }, []>("SELECT changes() AS n").get()?.n ?? 0);

/** Runs the request; never throws (every failure is an answer). */
export function runRequest(
  req: ChildRequest,
  ready: () => void = () => {},
): { data: SqlResult } | { error: Failure } {
  let db: Database;
  try {
    db = open(req);
  } catch (e) {
    return { error: { code: "INTERNAL", message: `cannot open the database: ${(e as Error).message}` } };
  }
  ready();
  try {
    return { data: execute(db, req) };
  } catch (e) {
    if (e instanceof Refusal) return { error: e.failure };
    const message = e instanceof Error ? e.message : String(e);
    const code = String((e as { code?: unknown }).code ?? "");
    // SQLite's own refusals on the read-only connection: a write, or opening a file that is
    // not there (an ATTACH would create it).
    if (!req.write && code.startsWith("SQLITE_READONLY")) {
      return { error: { code: "READ_ONLY", message: `SQLite: ${message}: send it with write to run it` } };
    }
    if (!req.write && code === "SQLITE_CANTOPEN") {
      return {
        error: { code: "READ_ONLY", message: `SQLite: ${message} (a read-only query cannot create a file)` },
      };
    }
    return { error: { code: "BAD_REQUEST", message: `SQLite: ${message}` } };
  } finally {
    try {
      db.close();
    } catch {
      // the answer is already decided
    }
  }
}

/** Entry point of the query process: one request on stdin, one answer on stdout. */
export async function sqlChildMain(): Promise<number> {
  let req: ChildRequest;
  try {
    req = JSON.parse(await Bun.stdin.text()) as ChildRequest;
  } catch {
    process.stdout.write(`${JSON.stringify({ error: { code: "BAD_REQUEST", message: "bad request" } })}\n`);
    return 2;
  }
  // The parent starts the 5 s from this line (see run.ts).
  const answer = runRequest(req, () => console.error("ready"));
  await Bun.write(Bun.stdout, `${JSON.stringify(answer)}\n`);
  return 0;
}
