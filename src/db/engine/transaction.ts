import { FaztError } from "../../core/index.ts";

/** The statements one engine sends to run a transaction; savepoints nest inside it. */
export interface TransactionControl {
  /** Whether a transaction is already open on the connection (begun here or by other code on it). */
  inTransaction(): boolean;
  begin(immediate: boolean): void;
  commit(): void;
  rollback(): void;
  /** Plain statements: `SAVEPOINT x`, `RELEASE SAVEPOINT x`, `ROLLBACK TO SAVEPOINT x`. */
  statement(sql: string): void;
}

function assertSynchronous(result: unknown): void {
  if (
    result !== null &&
    typeof result === "object" &&
    typeof (result as { then?: unknown }).then === "function"
  ) {
    // An awaited body would commit before its writes ran, or run them outside the transaction.
    throw new FaztError(
      "INTERNAL",
      "a database transaction's function must be synchronous (it returned a promise)",
    );
  }
}

let savepoints = 0;

/**
 * The one transaction algorithm of both engines: BEGIN/COMMIT at the outside,
 * a savepoint inside an open transaction, and a rollback of exactly the
 * failed part when `fn` throws. A failed COMMIT is rolled back (SQLite keeps
 * the transaction open after a busy COMMIT; PostgreSQL has already ended it).
 */
export function runTransaction<T>(control: TransactionControl, fn: () => T, immediate: boolean): T {
  if (control.inTransaction()) {
    const name = `fazt_sp_${++savepoints}`;
    control.statement(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      assertSynchronous(result);
      control.statement(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      try {
        control.statement(`ROLLBACK TO SAVEPOINT ${name}`);
        control.statement(`RELEASE SAVEPOINT ${name}`);
      } catch {
        // the outer transaction is gone (connection lost): its own rollback reports it
      }
      throw e;
    }
  }
  control.begin(immediate);
  let result: T;
  try {
    result = fn();
    assertSynchronous(result);
  } catch (e) {
    rollbackQuietly(control);
    throw e;
  }
  try {
    control.commit();
  } catch (e) {
    rollbackQuietly(control);
    throw e;
  }
  return result;
}

function rollbackQuietly(control: TransactionControl): void {
  try {
    if (control.inTransaction()) control.rollback();
  } catch {
    // the error that brought us here is the one to report
  }
}
