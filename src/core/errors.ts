/**
 * The one error type of Fazt. Everything that fails on purpose throws a
 * FaztError; the HTTP layer turns it into `{"error": {"code", "message"}}`
 * with its status, and the CLI prints its message as one line.
 */
export type ErrorCode =
  | "BAD_REQUEST"
  | "VALIDATION_FAILED"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "CONFLICT"
  | "GONE"
  | "PAYLOAD_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "RATE_LIMITED"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "TIMEOUT"
  /** App code threw, or answered what HTTP cannot carry (runtime/failure.ts). */
  | "HANDLER_ERROR"
  /** App code passed its heap limit. */
  | "OUT_OF_MEMORY"
  | "SCHEMA_TOO_NEW"
  | "DATABASE_UNREADABLE"
  | "PORT_IN_USE"
  | "USAGE"
  /** A statement that writes, sent to the SQL console without `write`. */
  | "READ_ONLY";

const defaultStatus: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  HANDLER_ERROR: 500,
  OUT_OF_MEMORY: 500,
  SCHEMA_TOO_NEW: 500,
  DATABASE_UNREADABLE: 500,
  PORT_IN_USE: 500,
  USAGE: 400,
  READ_ONLY: 400,
};

export class FaztError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  /** Extra response headers, e.g. Retry-After on 429 or Allow on 405. */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { status?: number; details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = "FaztError";
    this.code = code;
    this.status = opts.status ?? defaultStatus[code];
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    const error: { code: string; message: string; details?: unknown } = {
      code: this.code,
      message: this.message,
    };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const isFaztError = (e: unknown): e is FaztError => e instanceof FaztError;
