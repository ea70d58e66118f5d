/**
 * Shared pieces of the app storage APIs: the scope every statement is bound
 * to, a small statement cache, strict JSON encoding and prefix patterns.
 */
import { FaztError } from "../core/index.ts";
import type { Engine, SqlValue, Store } from "../db/index.ts";

/** Where a storage call may reach: one app, and within it one scope ("" app-wide, or a user id). */
export interface StorageScope {
  engine: Engine;
  appId: string;
  scope: string;
}

export type Params = SqlValue[];

/** The engine of a store, or the engine itself: callers hold either. */
export function engineOf(db: Store | Engine): Engine {
  return "dialect" in db ? db : db.engine;
}

/** Largest encoded kv value or document (1 MiB). */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Deepest nesting of a stored JSON value: far below SQLite's own limit (1000), so json_* never fails on stored data. */
export const MAX_JSON_DEPTH = 64;

export const now = (): number => Date.now();

export function invalid(message: string, details?: unknown): FaztError {
  return new FaztError("VALIDATION_FAILED", message, details === undefined ? {} : { details });
}

/**
 * JSON text of a value, refusing what JSON would silently lose or cannot
 * hold: a top-level `undefined`, functions, symbols, BigInt, NaN/Infinity,
 * cycles, nesting deeper than MAX_JSON_DEPTH and text over `maxBytes`.
 * (An `undefined` property inside an object is dropped, as JSON does.)
 */
export function encodeJson(value: unknown, what: string, maxBytes = MAX_JSON_BYTES): string {
  if (value === undefined) throw invalid(`${what} is undefined: store null or another JSON value`);
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (key, v: unknown) => {
      const where = key === "" ? what : `${what} (at "${key}")`;
      switch (typeof v) {
        case "function":
        case "symbol":
          throw invalid(`${where}: a ${typeof v} is not a JSON value`);
        case "bigint":
          throw invalid(`${where}: a BigInt is not a JSON value (store it as a string or a number)`);
        case "number":
          if (!Number.isFinite(v)) throw invalid(`${where}: ${v} is not a JSON number`);
          break;
      }
      return v;
    });
  } catch (e) {
    if (e instanceof FaztError) throw e;
    throw invalid(`${what} cannot be stored as JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw invalid(`${what} is not a JSON value`);
  if (text.length > maxBytes || Buffer.byteLength(text, "utf8") > maxBytes) {
    throw new FaztError("PAYLOAD_TOO_LARGE", `${what} is larger than ${maxBytes} bytes as JSON`);
  }
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    throw invalid(`${what} is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return text;
}

/** Deepest bracket nesting of JSON text (brackets inside strings do not count). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** A GLOB pattern matching strings that start with `prefix`, every character taken literally. */
function prefixGlob(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/*
 * The two places where kv, s3 and browsing differ by engine: matching a
 * literal prefix (SQLite's GLOB, PostgreSQL's starts_with) and ordering text
 * by code point (SQLite's BINARY; "C" on PostgreSQL, whatever the
 * database's collation).
 */

/** A condition with one parameter, `prefixParam(engine, prefix)`: `column` starts with it, taken literally. */
export function startsWith(engine: Engine, column: string): string {
  return engine.dialect === "sqlite" ? `${column} GLOB ?` : `starts_with(${column}, ?::text)`;
}

/**
 * The parameter of `startsWith`. No stored key or path holds U+0000
 * (`checkNoNul`, s3's path rule): a prefix with one matches nothing, and
 * callers answer that without asking the database (`unmatchable`).
 */
export function prefixParam(engine: Engine, prefix: string): string {
  return engine.dialect === "sqlite" ? prefixGlob(prefix) : prefix;
}

export const unmatchable = (prefix: string): boolean => prefix.includes("\0");

/** `column` in an ORDER BY, sorted by code point on both engines. */
export function byCodePoint(engine: Engine, column: string): string {
  return engine.dialect === "sqlite" ? column : `${column} COLLATE "C"`;
}

/** PostgreSQL text cannot hold U+0000: refused on both engines, so both keep the same keys. */
export function checkNoNul(value: string, what: string): string {
  if (value.includes("\0")) throw invalid(`${what} must not contain the character U+0000`);
  return value;
}

/** Validates an optional prefix argument of `list`. */
export function checkPrefix(prefix: unknown, max: number): string {
  if (prefix === undefined || prefix === null) return "";
  if (typeof prefix !== "string") throw invalid("prefix must be a string");
  if (prefix.length > max) throw invalid(`prefix is longer than ${max} characters`);
  return prefix;
}

/** Is this a plain object (`{…}`), not an array, null, Date, Uint8Array…? */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
