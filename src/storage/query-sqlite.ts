/**
 * The SQLite compiler of the document query language (query.ts): a tree to
 * a SQL condition over `app_docs.data`, JSON text read with `json_extract`.
 *
 * Values are always bound parameters; field paths are bound too, except a
 * path that has an expression index: that one is written as the same checked
 * literal as in the index's DDL, because SQLite matches an index expression
 * only against identical SQL text (a bound path never uses the index).
 *
 * `json_extract` turns true/false into 1/0 and objects into text, so every
 * comparison also checks `json_type`. Numbers are bound as SQLite reads
 * them from the stored JSON text (`jsonNumber`).
 */
import type { FieldRef } from "./fields.ts";
import { pathLiteral } from "./indexes.ts";
import { COMPARISONS, type Indexed, type Json, joinSql as join, type QueryNode, type Sql } from "./query.ts";

type Node = QueryNode;

export function compileSqlite(db: Indexed, node: Node): Sql {
  if (node.op === "field") return compileField(db, node.ref, node.operator, node.value);
  if (node.children.length === 0) return { sql: node.op === "and" ? "1" : "0", params: [] };
  const parts = node.children.map((c) => compileSqlite(db, c));
  if (parts.length === 1) return parts[0]!;
  return {
    sql: `(${parts.map((p) => p.sql).join(node.op === "and" ? " AND " : " OR ")})`,
    params: parts.flatMap((p) => p.params),
  };
}

const TRUE: Sql = { sql: "1", params: [] };
const FALSE: Sql = { sql: "0", params: [] };

/** `json_extract(data, path)`: literal when indexed (see the file comment), else bound. */
export function extractSql(db: Indexed, ref: FieldRef): Sql {
  if (ref.kind === "column") return { sql: ref.column, params: [] };
  if (db(ref.path)) return { sql: `json_extract(data, ${pathLiteral(ref.path)})`, params: [] };
  return { sql: "json_extract(data, ?)", params: [ref.path] };
}

const typeSql = (path: string): Sql => ({ sql: "json_type(data, ?)", params: [path] });

const bind = (value: string | number | bigint): Sql => ({ sql: "?", params: [value] });

const INT64_MIN = -(2n ** 63n);
const INT64_END = 2n ** 63n;

/**
 * A number as SQLite reads the JSON text JavaScript writes for it: 2 ** 60
 * is written 1152921504606847000, which SQLite reads as that exact 64-bit
 * integer, not the double 2 ** 60 that binding the number would compare
 * with (and find unequal). Bound as the same integer, it is found.
 */
export function jsonNumber(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  const text = JSON.stringify(n);
  if (!/^-?[0-9]+$/.test(text)) return n;
  const big = BigInt(text);
  return big >= INT64_MIN && big < INT64_END ? big : n;
}

function compileField(db: Indexed, ref: FieldRef, operator: string, value: unknown): Sql {
  switch (operator) {
    case "$eq":
      return equals(db, ref, value as Json);
    case "$ne":
      return join(["NOT coalesce(", equals(db, ref, value as Json), ", 0)"]);
    case "$in":
      return within(db, ref, value as Json[]);
    case "$nin":
      if ((value as Json[]).length === 0) return TRUE;
      return join(["NOT coalesce(", within(db, ref, value as Json[]), ", 0)"]);
    case "$exists":
      if (ref.kind === "column") return value ? TRUE : FALSE;
      return join([typeSql(ref.path), value ? " IS NOT NULL" : " IS NULL"]);
    case "$contains":
      return contains(ref, value as Json);
    default:
      return compare(db, ref, COMPARISONS[operator as keyof typeof COMPARISONS], value as string | number);
  }
}

/** Equality; `null` matches a JSON null or a missing field. */
function equals(db: Indexed, ref: FieldRef, value: Json): Sql {
  if (ref.kind === "column") {
    const v = columnValue(ref, value);
    return v === undefined ? FALSE : join([ref.column, " = ", bind(v)]);
  }
  const x = extractSql(db, ref);
  const t = typeSql(ref.path);
  if (value === null) return join([x, " IS NULL"]);
  switch (typeof value) {
    case "boolean":
      return join([
        "(",
        x,
        " = ",
        bind(value ? 1 : 0),
        " AND ",
        t,
        " = ",
        bind(value ? "true" : "false"),
        ")",
      ]);
    case "number":
      return join(["(", x, " = ", bind(jsonNumber(value)), " AND ", t, " IN ('integer', 'real'))"]);
    case "string":
      return join(["(", x, " = ", bind(value), " AND ", t, " = 'text')"]);
    default:
      if (keyOrderMatters(value)) {
        // CASE, not AND: json_each must never read a string's text as JSON.
        return join([
          "(CASE ",
          t,
          " WHEN ",
          bind(Array.isArray(value) ? "array" : "object"),
          " THEN ",
          sameContainer(x, value, 0),
          " ELSE 0 END)",
        ]);
      }
      return join(["(", x, " = json(", bind(JSON.stringify(value)), ") AND ", t, " IN ('object', 'array'))"]);
  }
}

/**
 * Whether an object of two members or more is in the value: SQLite compares
 * JSON text, in which key order counts, and jsonb (and JSON) does not.
 */
function keyOrderMatters(value: Json): boolean {
  if (value === null || typeof value !== "object") return false;
  const members = Object.values(value);
  return (!Array.isArray(value) && members.length > 1) || members.some(keyOrderMatters);
}

/**
 * SQL: the JSON array or object whose text is `text` equals `value`
 * whatever the order of keys: as many members, each found by key (or
 * index) with json_each and equal. `text` is known to hold that type.
 */
function sameContainer(text: Sql, value: Json[] | { [k: string]: Json }, depth: number): Sql {
  const m = `m${depth}`;
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  const parts: (Sql | string)[] = ["((SELECT count(*) FROM json_each(", text, ")) = ", bind(entries.length)];
  for (const [key, v] of entries) {
    parts.push(
      ` AND EXISTS (SELECT 1 FROM json_each(`,
      text,
      `) AS ${m} WHERE ${m}.key = `,
      bind(key),
      " AND ",
    );
    parts.push(memberEquals(m, v, depth + 1), ")");
  }
  parts.push(")");
  return join(parts);
}

/** SQL: the json_each row `m` holds `value`. */
function memberEquals(m: string, value: Json, depth: number): Sql {
  if (value === null) return { sql: `${m}.type = 'null'`, params: [] };
  if (typeof value === "boolean") return { sql: `${m}.type = '${value}'`, params: [] };
  if (typeof value === "number") {
    return join([`${m}.type IN ('integer', 'real') AND ${m}.value = `, bind(jsonNumber(value))]);
  }
  if (typeof value === "string") return join([`${m}.type = 'text' AND ${m}.value = `, bind(value)]);
  const type = Array.isArray(value) ? "array" : "object";
  const inner = { sql: `${m}.value`, params: [] };
  return join([`(CASE ${m}.type WHEN '${type}' THEN `, sameContainer(inner, value, depth), " ELSE 0 END)"]);
}

/** `$in`: strings and numbers each in one `IN (…)` list (index-friendly), other values one by one. */
function within(db: Indexed, ref: FieldRef, values: Json[]): Sql {
  if (values.length === 0) return FALSE;
  if (ref.kind === "column") {
    const vs = values.map((v) => columnValue(ref, v)).filter((v) => v !== undefined);
    if (vs.length === 0) return FALSE;
    return { sql: `${ref.column} IN (${vs.map(() => "?").join(", ")})`, params: vs };
  }
  const strings = values.filter((v): v is string => typeof v === "string");
  const numbers = values.filter((v): v is number => typeof v === "number").map(jsonNumber);
  const others = values.filter((v) => typeof v !== "string" && typeof v !== "number");
  const parts: Sql[] = [];
  const x = extractSql(db, ref);
  const t = typeSql(ref.path);
  const list = (vs: (string | number | bigint)[]): Sql => ({ sql: vs.map(() => "?").join(", "), params: vs });
  if (strings.length) parts.push(join(["(", x, " IN (", list(strings), ") AND ", t, " = 'text')"]));
  if (numbers.length) {
    parts.push(join(["(", x, " IN (", list(numbers), ") AND ", t, " IN ('integer', 'real'))"]));
  }
  for (const v of others) parts.push(equals(db, ref, v));
  if (parts.length === 1) return parts[0]!;
  return join(["(", ...parts.flatMap((p, i) => (i === 0 ? [p] : [" OR ", p])), ")"]);
}

function compare(db: Indexed, ref: FieldRef, op: string, value: string | number): Sql {
  if (ref.kind === "column") {
    const v = columnValue(ref, value);
    return v === undefined ? FALSE : join([ref.column, ` ${op} `, bind(v)]);
  }
  const type = typeof value === "number" ? " IN ('integer', 'real')" : " = 'text'";
  const v = typeof value === "number" ? jsonNumber(value) : value;
  return join(["(", extractSql(db, ref), ` ${op} `, bind(v), " AND ", typeSql(ref.path), type, ")"]);
}

/** `$contains`: membership in an array, or a substring of a string. */
function contains(ref: FieldRef, value: Json): Sql {
  if (ref.kind === "column") {
    return ref.column === "id" && typeof value === "string"
      ? join(["instr(id, ", bind(value), ") > 0"])
      : FALSE;
  }
  let member: Sql;
  if (value === null) member = { sql: "type = 'null'", params: [] };
  else if (typeof value === "boolean") member = join(["type = ", bind(value ? "true" : "false")]);
  else if (typeof value === "number")
    member = join(["type IN ('integer', 'real') AND value = ", bind(jsonNumber(value))]);
  else if (typeof value === "string") member = join(["type = 'text' AND value = ", bind(value)]);
  else if (keyOrderMatters(value)) member = memberEquals("e", value, 0);
  else member = join(["type IN ('object', 'array') AND value = json(", bind(JSON.stringify(value)), ")"]);
  const text: Sql =
    typeof value === "string"
      ? { sql: " WHEN 'text' THEN instr(json_extract(data, ?), ?) > 0", params: [ref.path, value] }
      : { sql: "", params: [] };
  return join([
    "(CASE ",
    typeSql(ref.path),
    " WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(data, ",
    bind(ref.path),
    ") AS e WHERE ",
    member,
    ")",
    text,
    " ELSE 0 END)",
  ]);
}

/** A value comparable with a reserved column: ids are text (numbers become text), timestamps numbers. */
function columnValue(ref: Extract<FieldRef, { kind: "column" }>, value: Json): string | number | undefined {
  if (ref.column === "id") {
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    return undefined;
  }
  return typeof value === "number" ? value : undefined;
}
