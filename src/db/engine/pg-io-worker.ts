/**
 * The I/O thread of a PostgreSQL engine (see pg.ts). It owns one reserved
 * `Bun.SQL` connection, runs one request at a time, and answers by posting
 * on the caller's port and bumping the shared signal the caller waits on.
 *
 * A reserved connection fails for good when PostgreSQL drops it (Bun.SQL's
 * pool would silently reconnect, and the rest of an open transaction would
 * run outside it, committed one statement at a time). So a lost connection
 * inside a transaction fails every statement until the caller's ROLLBACK;
 * outside one, the next request reserves a fresh connection.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type DbFailure, postgresFailure, type WireError } from "./errors.ts";
import type { IoAnswer, IoRequest, IoWorkerData } from "./pg-wire.ts";
import { toNumberedPlaceholders } from "./placeholders.ts";
import type { SqlValue } from "./types.ts";

const { url, port, signal } = workerData as IoWorkerData;

const sql = new Bun.SQL({
  url,
  max: 1,
  bigint: true,
  prepare: true,
  connectionTimeout: 10,
  idleTimeout: 0,
  // Seen between requests (this thread is idle then): a connection dropped while
  // idle (a server restart, a failover) is replaced before the next call, which
  // then succeeds; one dropped inside a transaction fails that transaction.
  onclose: (e) => {
    if (!conn) return;
    if (inTransaction && !transactionLost) {
      transactionLost = {
        failure: "connection",
        message: `the connection was lost inside a transaction, which was rolled back: ${e?.message ?? "closed"}`,
      };
    }
    lost("connection");
  },
});
let conn: Bun.ReservedSQL | undefined;
let inTransaction = false;
/** Set when the connection was lost inside a transaction: everything fails until ROLLBACK. */
let transactionLost: WireError | undefined;

const translated = new Map<string, string>();
function numbered(text: string): string {
  let out = translated.get(text);
  if (out === undefined) {
    out = toNumberedPlaceholders(text);
    if (translated.size > 2048) translated.clear();
    translated.set(text, out);
  }
  return out;
}

/** Integers come back as BigInt (every int8); the contract is JS numbers, as on SQLite. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  for (const key in row) {
    if (typeof row[key] === "bigint") row[key] = Number(row[key]);
  }
  return row;
}

function bindable(v: SqlValue): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

async function connection(): Promise<Bun.ReservedSQL> {
  conn ??= await sql.reserve();
  return conn;
}

function lost(failure: DbFailure): void {
  if (failure !== "connection") return;
  try {
    conn?.release();
  } catch {
    // already gone
  }
  conn = undefined;
}

async function handle(req: IoRequest): Promise<Omit<IoAnswer, "id">> {
  if (req.op === "rollback" && transactionLost) {
    transactionLost = undefined;
    inTransaction = false;
    return { rows: [], changes: 0 };
  }
  if (transactionLost) return { error: transactionLost };
  if (req.op === "close") {
    conn?.release();
    conn = undefined;
    await sql.close({ timeout: 1 });
    return { rows: [], changes: 0 };
  }
  try {
    const c = await connection();
    if (req.op === "query") {
      const result = await c.unsafe(numbered(req.sql), req.params.map(bindable));
      const rows = (result as Record<string, unknown>[]).map(plainRow);
      const changes = result.command === "SELECT" ? 0 : (result.count ?? 0);
      return { rows, changes };
    }
    const text =
      req.op === "exec"
        ? req.sql
        : req.op === "begin"
          ? "BEGIN"
          : req.op === "commit"
            ? "COMMIT"
            : "ROLLBACK";
    await c.unsafe(text);
    if (req.op === "begin") inTransaction = true;
    if (req.op === "commit" || req.op === "rollback") inTransaction = false;
    return { rows: [], changes: 0 };
  } catch (e) {
    const error = postgresFailure(e);
    if (req.op === "commit") inTransaction = false; // a failed COMMIT ends the transaction in PostgreSQL
    if (error.failure === "connection") {
      lost("connection");
      if (inTransaction) {
        transactionLost = {
          ...error,
          message: `the connection was lost inside a transaction, which was rolled back: ${error.message}`,
        };
        return { error: transactionLost };
      }
    }
    return { error };
  }
}

let queue: Promise<void> = Promise.resolve();
port.on("message", (req: IoRequest) => {
  queue = queue.then(async () => {
    let answer: IoAnswer;
    try {
      answer = { id: req.id, ...(await handle(req)) } as IoAnswer;
    } catch (e) {
      answer = { id: req.id, error: { failure: "other", message: (e as Error).message ?? String(e) } };
    }
    try {
      port.postMessage(answer);
    } catch (e) {
      port.postMessage({
        id: req.id,
        error: { failure: "other", message: `cannot send the result: ${(e as Error).message}` },
      });
    }
    Atomics.store(signal, 0, req.id);
    Atomics.notify(signal, 0);
    if (req.op === "close") port.close();
  });
});
parentPort?.postMessage("ready");
