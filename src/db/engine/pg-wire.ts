/**
 * The thread boundary of the PostgreSQL engine: what the calling thread posts
 * to its I/O worker and what comes back. Both sides import only these types.
 */
import type { MessagePort } from "node:worker_threads";
import type { WireError } from "./errors.ts";
import type { SqlValue } from "./types.ts";

export interface IoWorkerData {
  url: string;
  /** The calling thread's end of the answer channel. */
  port: MessagePort;
  /** [0]: the id of the last request answered; the caller `Atomics.wait`s on it. */
  signal: Int32Array;
}

export type IoRequest =
  | { id: number; op: "query"; sql: string; params: SqlValue[] }
  | { id: number; op: "exec"; sql: string }
  | { id: number; op: "begin" | "commit" | "rollback" | "close" };

export type IoAnswer =
  | { id: number; rows: Record<string, unknown>[]; changes: number }
  | { id: number; error: WireError };
