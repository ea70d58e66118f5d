/**
 * The PostgreSQL compiler of the document query language (query.ts): a tree
 * to a SQL condition over `app_docs.data` as `jsonb`, giving the documents
 * the SQLite compiler (query-sqlite.ts) gives for the same query.
 *
 * - A field is read with a literal expression from a checked path
 *   (`pgPathSql`): the same expression as its index, so the index serves it.
 * - Values are bound, each with an explicit type: `?::text::jsonb` with JSON
 *   text (a parameter typed `jsonb` would be sent as a JSON string),
 *   `?::text`, `?::bigint`, `?::numeric`.
 * - jsonb equality already keeps types apart (`true` ≠ `1`, `"5"` ≠ `5`)
 *   and compares numbers by value; the stored text of a number and a bound
 *   one are both JavaScript's shortest form, so they compare exactly.
 * - Strings order by code point (`COLLATE "C"`, SQLite's BINARY), never by
 *   the database's collation, which jsonb's own ordering would use.
 * - PostgreSQL text cannot hold U+0000, so no stored string holds one: a
 *   value with U+0000 matches nothing, and an ordering bound is cut there
 *   (`pgStringBound`). (Unpaired surrogates are U+FFFD already: query.ts.)
 */
import type { FieldRef } from "./fields.ts";
import { pgPathSql } from "./indexes-pg.ts";
import {
  COMPARISONS,
  type Comparison,
  type Json,
  joinSql as join,
  type QueryNode,
  type Sql,
} from "./query.ts";

const TRUE: Sql = { sql: "TRUE", params: [] };
const FALSE: Sql = { sql: "FALSE", params: [] };

export function compilePg(node: QueryNode): Sql {
  if (node.op === "field") return compileField(node.ref, node.operator, node.value);
  if (node.children.length === 0) return node.op === "and" ? TRUE : FALSE;
  const parts = node.children.map(compilePg);
  if (parts.length === 1) return parts[0]!;
  return {
    sql: `(${parts.map((p) => p.sql).join(node.op === "and" ? " AND " : " OR ")})`,
    params: parts.flatMap((p) => p.params),
  };
}

/**
 * ORDER BY terms of a field, in SQLite's order of `json_extract` values:
 * missing and null first, then numbers and booleans (as 0 and 1) by value,
 * then strings, arrays and objects by their text, code point by code point.
 * (Arrays and objects: jsonb writes its own text, with spaces and keys
 * sorted, so among them the order can differ from SQLite's: docs/app-code.md.)
 */
export function pgOrderSql(ref: FieldRef, direction: 1 | -1): string {
  const dir = direction === 1 ? "ASC" : "DESC";
  if (ref.kind === "column") return ref.column === "id" ? `id COLLATE "C" ${dir}` : `${ref.column} ${dir}`;
  const x = pgPathSql(ref.path);
  const t = `jsonb_typeof(${x})`;
  return [
    `CASE ${t} WHEN 'number' THEN 1 WHEN 'boolean' THEN 1 WHEN 'string' THEN 2 WHEN 'array' THEN 2 WHEN 'object' THEN 2 ELSE 0 END ${dir}`,
    `CASE ${t} WHEN 'number' THEN (${x})::numeric WHEN 'boolean' THEN CASE WHEN ${x} = 'true'::jsonb THEN 1 ELSE 0 END END ${dir}`,
    `(CASE ${t} WHEN 'string' THEN ${x} #>> '{}' WHEN 'array' THEN ${x}::text WHEN 'object' THEN ${x}::text END) COLLATE "C" ${dir}`,
  ].join(", ");
}

/** A string as PostgreSQL can hold it, or undefined when it holds U+0000 (no stored string can). */
function pgString(s: string): string | undefined {
  return s.includes("\0") ? undefined : s;
}

/**
 * JSON text of a query value for `?::text::jsonb`, or undefined when no
 * stored value can equal it: a string or key holds U+0000.
 */
function pgJsonText(value: Json): string | undefined {
  if (typeof value === "string") {
    const s = pgString(value);
    return s === undefined ? undefined : JSON.stringify(s);
  }
  let storable = true;
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (key.includes("\0") || (typeof v === "string" && v.includes("\0"))) storable = false;
    return v;
  });
  return storable ? text : undefined;
}

/**
 * An ordering bound for strings without U+0000 (all PostgreSQL stores): a
 * bound cut at its first U+0000, `s > "a\0…"` being `s > "a"` and
 * `s < "a\0…"` being `s <= "a"` for every such string.
 */
function pgStringBound(op: Comparison, s: string): { op: string; value: string } {
  const cut = s.indexOf("\0");
  if (cut < 0) return { op: COMPARISONS[op], value: s };
  return { op: op === "$gt" || op === "$gte" ? ">" : "<=", value: s.slice(0, cut) };
}

const jsonb = (text: string): Sql => ({ sql: "?::text::jsonb", params: [text] });
const text = (s: string): Sql => ({ sql: "?::text", params: [s] });
/** A number for a bigint column: as bigint when it is one (the column's index applies), else numeric. */
const columnNumber = (n: number): Sql =>
  Number.isSafeInteger(n) ? { sql: "?::bigint", params: [n] } : { sql: "?::numeric", params: [String(n)] };

function compileField(ref: FieldRef, operator: string, value: unknown): Sql {
  switch (operator) {
    case "$eq":
      return equals(ref, value as Json);
    case "$ne":
      return join(["NOT coalesce(", equals(ref, value as Json), ", FALSE)"]);
    case "$in":
      return within(ref, value as Json[]);
    case "$nin":
      if ((value as Json[]).length === 0) return TRUE;
      return join(["NOT coalesce(", within(ref, value as Json[]), ", FALSE)"]);
    case "$exists":
      if (ref.kind === "column") return value ? TRUE : FALSE;
      return { sql: `${pgPathSql(ref.path)} IS ${value ? "NOT NULL" : "NULL"}`, params: [] };
    case "$contains":
      return contains(ref, value as Json);
    default:
      return compare(ref, operator as Comparison, value as string | number);
  }
}

/** A value as the reserved column compares it (as query-sqlite.ts's `columnValue`), or undefined: never equal. */
function columnOperand(ref: Extract<FieldRef, { kind: "column" }>, value: Json): Sql | undefined {
  if (ref.column === "id") {
    if (typeof value === "number") return text(String(value));
    if (typeof value !== "string") return undefined;
    const s = pgString(value);
    return s === undefined ? undefined : text(s);
  }
  return typeof value === "number" ? columnNumber(value) : undefined;
}

/** Equality; `null` matches a JSON null or a missing field. */
function equals(ref: FieldRef, value: Json): Sql {
  if (ref.kind === "column") {
    const v = columnOperand(ref, value);
    return v === undefined ? FALSE : join([ref.column, " = ", v]);
  }
  const x = pgPathSql(ref.path);
  if (value === null) return { sql: `(${x} IS NULL OR ${x} = 'null'::jsonb)`, params: [] };
  if (typeof value === "boolean") return { sql: `${x} = '${value}'::jsonb`, params: [] };
  const json = pgJsonText(value);
  return json === undefined ? FALSE : join([x, " = ", jsonb(json)]);
}

/** `$in`: one `IN (…)` list of the non-null values (index-friendly), and null apart. */
function within(ref: FieldRef, values: Json[]): Sql {
  if (ref.kind === "column") {
    const vs = values.map((v) => columnOperand(ref, v)).filter((v) => v !== undefined);
    if (vs.length === 0) return FALSE;
    return join([`${ref.column} IN (`, ...vs.flatMap((v, i) => (i === 0 ? [v] : [", ", v])), ")"]);
  }
  const x = pgPathSql(ref.path);
  const parts: Sql[] = [];
  const texts = values.filter((v) => v !== null).map((v) => pgJsonText(v));
  const list = texts.filter((t) => t !== undefined).map(jsonb);
  if (list.length)
    parts.push(join([`${x} IN (`, ...list.flatMap((v, i) => (i === 0 ? [v] : [", ", v])), ")"]));
  if (values.includes(null)) parts.push({ sql: `(${x} IS NULL OR ${x} = 'null'::jsonb)`, params: [] });
  if (parts.length === 0) return FALSE;
  if (parts.length === 1) return parts[0]!;
  return join(["(", parts[0]!, " OR ", parts[1]!, ")"]);
}

function compare(ref: FieldRef, op: Comparison, value: string | number): Sql {
  if (ref.kind === "column") {
    if (ref.column === "id") {
      const b = pgStringBound(op, typeof value === "number" ? String(value) : value);
      return join([`id COLLATE "C" ${b.op} `, text(b.value)]);
    }
    return typeof value === "number"
      ? join([`${ref.column} ${COMPARISONS[op]} `, columnNumber(value)])
      : FALSE;
  }
  const x = pgPathSql(ref.path);
  if (typeof value === "number") {
    return join([
      "(",
      x,
      ` ${COMPARISONS[op]} `,
      jsonb(JSON.stringify(value)),
      ` AND jsonb_typeof(${x}) = 'number')`,
    ]);
  }
  const b = pgStringBound(op, value);
  return join([
    `((${x} #>> '{}') COLLATE "C" ${b.op} `,
    text(b.value),
    ` AND jsonb_typeof(${x}) = 'string')`,
  ]);
}

/** `$contains`: membership in an array, or a substring of a string. */
function contains(ref: FieldRef, value: Json): Sql {
  if (ref.kind === "column") {
    if (ref.column !== "id" || typeof value !== "string") return FALSE;
    const s = pgString(value);
    return s === undefined ? FALSE : join(["position(", text(s), " in id) > 0"]);
  }
  const x = pgPathSql(ref.path);
  const json = pgJsonText(value);
  let member: Sql;
  if (json === undefined) member = FALSE;
  else if (value !== null && typeof value === "object") {
    // `@>` would also find a member that merely contains the value: compare whole elements.
    member = join([
      `EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS e(v) WHERE e.v = `,
      jsonb(json),
      ")",
    ]);
  } else member = join([`${x} @> `, jsonb(`[${json}]`)]);
  const needle = typeof value === "string" ? pgString(value) : undefined;
  const inString: (Sql | string)[] =
    needle === undefined ? [] : [" WHEN 'string' THEN position(", text(needle), ` in (${x} #>> '{}')) > 0`];
  return join([`(CASE jsonb_typeof(${x}) WHEN 'array' THEN `, member, ...inString, " ELSE FALSE END)"]);
}
