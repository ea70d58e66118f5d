import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { bundledEntry, FaztError } from "../../core/index.ts";
import { failureError, redactUrl } from "./errors.ts";
import type { IoAnswer, IoRequest, IoWorkerData } from "./pg-wire.ts";
import { runTransaction, type TransactionControl } from "./transaction.ts";
import type { Engine, SqlParams, TransactionOptions } from "./types.ts";

/** How long a call waits for PostgreSQL before it gives up and the engine is closed. */
const DEFAULT_WAIT_MS = 60_000;

function ioWorkerEntry(): string {
  // Inside the compiled binary the worker is its own entry point (build.ts).
  return bundledEntry("db/engine/pg-io-worker.js") ?? new URL("./pg-io-worker.ts", import.meta.url).pathname;
}

type Distribute<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The PostgreSQL engine: a synchronous bridge. The calling thread (the main
 * thread, or a runtime worker whose app code must stay synchronous) owns one
 * I/O worker holding one `Bun.SQL` connection; each call posts its query and
 * blocks in `Atomics.wait` until the worker answers, then takes the answer
 * off the port with `receiveMessageOnPort` (it works in Bun, checked by
 * tests/db/engine.test.ts). One connection per calling thread also keeps a
 * transaction's statements on the connection that began it.
 */
export class PostgresEngine implements Engine {
  readonly dialect = "postgres" as const;
  readonly target: string;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  readonly #waitMs: number;
  readonly #control: TransactionControl;
  #next = 0;
  #inTransaction = false;
  #closed: FaztError | undefined;
  /** Settles once the I/O worker runs (or failed to start): await it before the first call. */
  readonly ready: Promise<void>;

  constructor(url: string, opts: { waitMs?: number } = {}) {
    this.target = redactUrl(url);
    this.#waitMs = opts.waitMs ?? DEFAULT_WAIT_MS;
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const data: IoWorkerData = { url, port: port2, signal: this.#signal };
    this.#worker = new Worker(ioWorkerEntry(), { workerData: data, transferList: [port2] });
    port1.unref();
    // A worker that cannot load reports it through events, which a thread blocked in
    // Atomics.wait never sees: `ready` turns them into an error before the first call.
    this.ready = new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        this.#closed ??= new FaztError("INTERNAL", `the PostgreSQL I/O worker did not start: ${why}`);
        reject(this.#closed);
      };
      this.#worker.once("message", () => resolve());
      this.#worker.once("error", (e) => fail(String((e as Error).message ?? e)));
      this.#worker.once("exit", (code) => fail(`it exited (${code})`));
    }).finally(() => {
      // Not kept alive by it after that: close() ends it, and a forgotten engine must not hang an exit.
      this.#worker.unref();
    });
    this.ready.catch(() => {}); // reported to whoever awaits it; never an unhandled rejection
    this.#control = {
      inTransaction: () => this.#inTransaction,
      begin: () => {
        this.#call({ op: "begin" });
        this.#inTransaction = true;
      },
      commit: () => {
        this.#inTransaction = false;
        this.#call({ op: "commit" });
      },
      rollback: () => {
        this.#inTransaction = false;
        this.#call({ op: "rollback" });
      },
      statement: (sql) => {
        this.#call({ op: "exec", sql });
      },
    };
  }

  #call(req: Distribute<IoRequest>): { rows: Record<string, unknown>[]; changes: number } {
    if (this.#closed) throw this.#closed;
    const id = ++this.#next;
    this.#port.postMessage({ ...req, id });
    const deadline = performance.now() + this.#waitMs;
    for (;;) {
      const seen = Atomics.load(this.#signal, 0);
      if (seen >= id) break;
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(this.#signal, 0, seen, left) === "timed-out") {
        // A late answer would be taken for the next call's: this engine is done.
        this.#shutdown(
          failureError({ failure: "timeout", message: `no answer within ${this.#waitMs} ms` }, this.target),
        );
        throw this.#closed;
      }
    }
    for (;;) {
      const message = receiveMessageOnPort(this.#port) as { message: IoAnswer } | undefined;
      if (!message)
        throw new FaztError("INTERNAL", "the PostgreSQL I/O worker signalled an answer it did not send");
      const answer = message.message;
      if (answer.id !== id) continue; // an answer to a call that gave up waiting
      if ("error" in answer) throw failureError(answer.error, this.target);
      return answer;
    }
  }

  all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): T[] {
    return this.#call({ op: "query", sql, params: [...params] }).rows as T[];
  }

  get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): T | null {
    return (this.#call({ op: "query", sql, params: [...params] }).rows[0] as T | undefined) ?? null;
  }

  run(sql: string, params: SqlParams = []): { changes: number } {
    return { changes: this.#call({ op: "query", sql, params: [...params] }).changes };
  }

  exec(sql: string): void {
    this.#call({ op: "exec", sql });
  }

  transaction<T>(fn: () => T, _opts: TransactionOptions = {}): T {
    // PostgreSQL takes row locks as it writes: there is no database-wide write lock to take up front.
    return runTransaction(this.#control, fn, false);
  }

  #shutdown(reason: FaztError): void {
    this.#closed = reason;
    this.#worker.terminate();
  }

  close(): void {
    if (this.#closed) return;
    try {
      this.#call({ op: "close" });
    } catch {
      // closing anyway
    }
    this.#shutdown(new FaztError("UNAVAILABLE", `the database connection to ${this.target} is closed`));
  }
}
