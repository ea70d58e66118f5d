import type { Database, Statement } from "bun:sqlite";
import { failureError, sqliteFailure } from "./errors.ts";
import { runTransaction, type TransactionControl } from "./transaction.ts";
import type { Engine, SqlParams, SqlValue, TransactionOptions } from "./types.ts";

/** Prepared statements kept per SQL text; past this the oldest is finalized (dynamic SQL must not grow memory without end). */
const STATEMENT_CACHE = 512;

type Bindable = string | number | bigint | null | Uint8Array;

function bindable(v: SqlValue): Bindable {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

/** The parameters as bun:sqlite binds them; copied only when one needs converting (the hot path allocates nothing). */
function bindAll(params: SqlParams): Bindable[] {
  for (const v of params) {
    if (v === undefined || typeof v === "boolean") return params.map(bindable);
  }
  return params as Bindable[];
}

/**
 * The SQLite engine over an open bun:sqlite connection (opened with the
 * pragmas of `openStore`). Statements are prepared once per SQL text, so the
 * hot path costs what a hand-kept prepared statement costs.
 */
export class SqliteEngine implements Engine {
  readonly dialect = "sqlite" as const;
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();
  readonly #control: TransactionControl;
  #onClose: (() => void) | undefined;

  /** `onClose` closes the connection when the engine owns it (openEngine); a Store's engine leaves it to the Store. */
  constructor(
    db: Database,
    readonly target: string,
    opts: { onClose?: () => void } = {},
  ) {
    this.#db = db;
    this.#onClose = opts.onClose;
    this.#control = {
      inTransaction: () => db.inTransaction,
      begin: (immediate) => this.#exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"),
      commit: () => this.#exec("COMMIT"),
      rollback: () => this.#exec("ROLLBACK"),
      statement: (sql) => this.#exec(sql),
    };
  }

  #prepare(sql: string): Statement {
    let stmt = this.#statements.get(sql);
    if (stmt) return stmt;
    stmt = this.#db.prepare(sql);
    if (this.#statements.size >= STATEMENT_CACHE) {
      const [oldest, old] = this.#statements.entries().next().value as [string, Statement];
      this.#statements.delete(oldest);
      old.finalize();
    }
    this.#statements.set(sql, stmt);
    return stmt;
  }

  #fail(e: unknown): never {
    throw failureError(sqliteFailure(e), this.target, e);
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): T[] {
    try {
      return this.#prepare(sql).all(...bindAll(params)) as T[];
    } catch (e) {
      this.#fail(e);
    }
  }

  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): T | null {
    try {
      return (this.#prepare(sql).get(...bindAll(params)) as T | null) ?? null;
    } catch (e) {
      this.#fail(e);
    }
  }

  run(sql: string, params: SqlParams = []): { changes: number } {
    try {
      return { changes: this.#prepare(sql).run(...bindAll(params)).changes };
    } catch (e) {
      this.#fail(e);
    }
  }

  #exec(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (e) {
      this.#fail(e);
    }
  }

  exec(sql: string): void {
    this.#exec(sql);
  }

  transaction<T>(fn: () => T, opts: TransactionOptions = {}): T {
    return runTransaction(this.#control, fn, opts.immediate ?? false);
  }

  close(): void {
    for (const stmt of this.#statements.values()) stmt.finalize();
    this.#statements.clear();
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.();
  }
}
