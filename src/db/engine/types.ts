/**
 * The data layer's one interface, the same on both engines: SQLite (one file,
 * bun:sqlite) and PostgreSQL (several nodes, `Bun.SQL`). It is synchronous on
 * both because every caller — and app code inside QuickJS — reads the
 * database synchronously (docs/operations.md, "PostgreSQL").
 *
 * SQL is written once: `?` placeholders, `INSERT … ON CONFLICT … DO
 * UPDATE/NOTHING`, `RETURNING`. Values round-trip identically: integers
 * (milliseconds, sizes, counts) as JS numbers, booleans as 0/1, blobs as
 * `Uint8Array`, text as strings, JSON as text.
 */
export type Dialect = "sqlite" | "postgres";

/** A value bound to a `?`. `true`/`false` are stored as 1/0 and `undefined` as NULL on both engines. */
export type SqlValue = string | number | bigint | boolean | null | undefined | Uint8Array;
export type SqlParams = readonly SqlValue[];

export interface TransactionOptions {
  /** SQLite: take the write lock at BEGIN (`BEGIN IMMEDIATE`), so a read-then-write cannot fail with "busy" halfway. */
  immediate?: boolean;
}

export interface Engine {
  readonly dialect: Dialect;
  /** What it is connected to, fit for messages: a file path, or the URL without its password. */
  readonly target: string;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): T[];
  /** The first row, or null. */
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): T | null;
  run(sql: string, params?: SqlParams): { changes: number };
  /** Runs one or more statements without parameters (DDL, pragmas). */
  exec(sql: string): void;
  /**
   * Runs `fn` in a transaction: committed when it returns, rolled back when it
   * throws. Nested calls use savepoints. `fn` must be synchronous.
   */
  transaction<T>(fn: () => T, opts?: TransactionOptions): T;
  close(): void;
}

/**
 * What a store module needs from the caller: a `Store` (SQLite) or anything
 * else holding an engine (a server on PostgreSQL, a test with a bare engine).
 */
export interface EngineHolder {
  readonly engine: Engine;
}
