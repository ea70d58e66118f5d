import { FaztError } from "../../core/index.ts";

/**
 * What went wrong, in the same words on both engines, so callers test
 * `details.db` and never an engine's own error code.
 */
export type DbFailure = "unique" | "foreign_key" | "not_null" | "busy" | "connection" | "timeout" | "other";

/** The shape of an error as it crosses from PostgreSQL's I/O thread (structured-clone safe). */
export interface WireError {
  failure: DbFailure;
  message: string;
  /** PostgreSQL's SQLSTATE or Bun's error code, for the log. */
  code?: string;
}

export function failureError(err: WireError, target: string, cause?: unknown): FaztError {
  const details = { db: err.failure, ...(err.code ? { code: err.code } : {}) };
  const opts = { details, cause };
  switch (err.failure) {
    case "unique":
      return new FaztError("CONFLICT", `already exists: ${err.message}`, opts);
    case "foreign_key":
      return new FaztError(
        "CONFLICT",
        `refers to a missing row, or is still referred to: ${err.message}`,
        opts,
      );
    case "busy":
      return new FaztError("UNAVAILABLE", `the database is busy (${target}): ${err.message}`, {
        ...opts,
        headers: { "Retry-After": "1" },
      });
    case "connection":
      return new FaztError("UNAVAILABLE", `cannot reach the database at ${target}: ${err.message}`, opts);
    case "timeout":
      return new FaztError("TIMEOUT", `the database at ${target} did not answer: ${err.message}`, opts);
    default:
      return new FaztError("INTERNAL", `database error: ${err.message}`, opts);
  }
}

/** bun:sqlite's extended result codes (`SQLITE_CONSTRAINT_UNIQUE`, …) → a failure. */
export function sqliteFailure(e: unknown): WireError {
  const code = String((e as { code?: unknown }).code ?? "");
  const message = (e as Error).message ?? String(e);
  const failure: DbFailure =
    code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
      ? "unique"
      : code === "SQLITE_CONSTRAINT_FOREIGNKEY"
        ? "foreign_key"
        : code === "SQLITE_CONSTRAINT_NOTNULL"
          ? "not_null"
          : code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")
            ? "busy"
            : "other";
  return { failure, message, code };
}

/** Connection-level failures of Bun.SQL: the socket is gone, or never came. */
const CONNECTION_CODES = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_REFUSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "ERR_POSTGRES_TLS_NOT_AVAILABLE",
  "ERR_POSTGRES_TLS_UPGRADE_FAILED",
  "ECONNREFUSED",
  "ECONNRESET",
]);

/** A PostgreSQL error (SQLSTATE in `errno`, Bun's code in `code`) → a failure. */
export function postgresFailure(e: unknown): WireError {
  const state = String((e as { errno?: unknown }).errno ?? "");
  const code = String((e as { code?: unknown }).code ?? "");
  const message = (e as Error).message ?? String(e);
  let failure: DbFailure = "other";
  if (state === "23505") failure = "unique";
  else if (state === "23503") failure = "foreign_key";
  else if (state === "23502") failure = "not_null";
  // serialization failure, deadlock, lock not available
  else if (state === "40001" || state === "40P01" || state === "55P03") failure = "busy";
  // admin shutdown / crash / cannot connect now, the connection class, authentication, no such database
  else if (/^(57P0[123]|08...|28...|3D000)$/.test(state) || CONNECTION_CODES.has(code))
    failure = "connection";
  else if (state === "57014") failure = "timeout";
  return { failure, message, code: state || code || undefined };
}

/** A `postgres://` URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1@");
  }
}
