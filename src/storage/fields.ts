/**
 * Field names of document queries, sorts and updates: dotted paths whose
 * segments are strict identifiers (or array indexes). A path becomes a
 * SQLite JSON path (`$."a"."b"[0]`) only through `parseField`, so nothing an
 * app writes reaches SQL text except these checked characters.
 */
import { invalid } from "./common.ts";

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;
const INDEX = /^[0-9]{1,9}$/;
const MAX_FIELD_LENGTH = 512;
const MAX_SEGMENTS = 16;
/** What a JSON path built here can look like: checked again before it is written into DDL or SQL. */
export const SAFE_JSON_PATH = /^\$(?:\."[A-Za-z_$][A-Za-z0-9_$-]{0,63}"|\[[0-9]{1,9}\])+$/;

/** The document's own columns, addressable in queries and sorts but never stored in `data`. */
export const RESERVED = { id: "id", _createdAt: "created_at", _updatedAt: "updated_at" } as const;
export type ReservedField = keyof typeof RESERVED;

export type FieldRef =
  | { kind: "column"; field: ReservedField; column: (typeof RESERVED)[ReservedField] }
  | { kind: "json"; field: string; segments: string[]; path: string };

export const isReserved = (field: string): field is ReservedField => Object.hasOwn(RESERVED, field);

/** Parses a field name; refuses anything outside the grammar with VALIDATION_FAILED naming it. */
export function parseField(field: unknown): FieldRef {
  if (typeof field !== "string") throw invalid("field name must be a string");
  const short = field.length > 80 ? `${field.slice(0, 80)}…` : field;
  if (isReserved(field)) return { kind: "column", field, column: RESERVED[field] };
  if (field.length === 0 || field.length > MAX_FIELD_LENGTH) throw badField(short);
  const segments = field.split(".");
  if (segments.length > MAX_SEGMENTS) {
    throw invalid(`field ${JSON.stringify(short)} has more than ${MAX_SEGMENTS} segments`, { field: short });
  }
  let path = "$";
  for (const s of segments) {
    if (NAME.test(s)) path += `."${s}"`;
    else if (INDEX.test(s)) path += `[${Number(s)}]`;
    else throw badField(short);
  }
  if (!SAFE_JSON_PATH.test(path)) throw badField(short);
  return { kind: "json", field, segments, path };
}

function badField(field: string) {
  return invalid(
    `invalid field name ${JSON.stringify(field)}: use dotted names of letters, digits, _, $ and - (not starting with a digit or -, at most 64 characters each), or array indexes`,
    { field },
  );
}
