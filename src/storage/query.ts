/**
 * The document query language, compiled to a SQL condition over `app_docs`.
 * Values are always bound parameters; field paths are bound too, except a
 * path that has an expression index: that one is written as the same checked
 * literal as in the index's DDL, because SQLite matches an index expression
 * only against identical SQL text (a bound path never uses the index).
 *
 * JSON values compare as JSON: `json_extract` turns true/false into 1/0 and
 * objects into text, so every comparison also checks `json_type`, and
 * `{done: true}` never matches `{done: 1}`, nor `{n: "5"}` match `{n: 5}`.
 * Ordering operators compare numbers with numbers and strings with strings.
 */
import { encodeJson, invalid, isPlainObject, type Params } from "./common.ts";
import { type FieldRef, parseField } from "./fields.ts";
import { pathLiteral } from "./indexes.ts";

export type Indexed = (path: string) => boolean;

export interface Sql {
  sql: string;
  params: Params;
}

const MAX_DEPTH = 8;
const MAX_TERMS = 256;
export const MAX_IN_VALUES = 1000;

const COMPARISONS = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" } as const;
const FIELD_OPERATORS = new Set([
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$contains",
  "$exists",
]);
/** Operators whose field is worth an index (they can use one). */
const INDEXABLE = new Set(["$eq", "$gt", "$gte", "$lt", "$lte", "$in"]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A parsed query: the fields it filters on, and a compiler to SQL. */
export interface ParsedQuery {
  /** JSON paths used by top-level conditions that an index can serve. */
  indexable: Set<string>;
  /** Those of them compared by equality (`$eq`, `$in`): usually selective. */
  equalities: Set<string>;
  /** Compiles; `indexed(path)` says which paths have an index now (written literally, see above). */
  compile(indexed: Indexed): Sql;
}

type Node =
  | { op: "and" | "or"; children: Node[] }
  | { op: "field"; ref: FieldRef; operator: string; value: unknown };

/** Parses a query object; every refusal is VALIDATION_FAILED naming the field or operator. */
export function parseQuery(query: unknown): ParsedQuery {
  const counter = { terms: 0 };
  const root: Node =
    query === undefined || query === null ? { op: "and", children: [] } : parseObject(query, 0, counter);
  const indexable = new Set<string>();
  const equalities = new Set<string>();
  collectIndexable(root, indexable, equalities);
  return { indexable, equalities, compile: (indexed) => compileNode(indexed, root) };
}

function parseObject(query: unknown, depth: number, counter: { terms: number }): Node {
  if (!isPlainObject(query)) throw invalid("query must be an object");
  if (depth > MAX_DEPTH) throw invalid(`query is nested more than ${MAX_DEPTH} levels deep`);
  const children: Node[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (++counter.terms > MAX_TERMS) throw invalid(`query has more than ${MAX_TERMS} conditions`);
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(value)) throw invalid(`${key} needs an array of queries`);
      children.push({
        op: key === "$and" ? "and" : "or",
        children: value.map((q) => parseObject(q, depth + 1, counter)),
      });
    } else if (key.startsWith("$")) {
      throw invalid(`unknown query operator ${JSON.stringify(key)}`, { operator: key });
    } else {
      const ref = parseField(key);
      if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith("$"))) {
        for (const [operator, operand] of Object.entries(value)) {
          if (!FIELD_OPERATORS.has(operator)) {
            throw invalid(
              operator.startsWith("$")
                ? `unknown query operator ${JSON.stringify(operator)} on field ${JSON.stringify(key)}`
                : `field ${JSON.stringify(key)} mixes operators with the plain key ${JSON.stringify(operator)}`,
              { field: key, operator },
            );
          }
          if (++counter.terms > MAX_TERMS) throw invalid(`query has more than ${MAX_TERMS} conditions`);
          children.push({ op: "field", ref, operator, value: checkOperand(key, operator, operand) });
        }
      } else {
        children.push({ op: "field", ref, operator: "$eq", value: checkValue(key, value) });
      }
    }
  }
  return { op: "and", children };
}

/** A query value must be JSON (no undefined, functions, BigInt, NaN…). */
function checkValue(field: string, value: unknown): Json {
  if (value === undefined) throw invalid(`query value of ${JSON.stringify(field)} is undefined`, { field });
  encodeJson(value, `query value of ${JSON.stringify(field)}`);
  return value as Json;
}

function checkOperand(field: string, operator: string, operand: unknown): unknown {
  const name = `${operator} of ${JSON.stringify(field)}`;
  switch (operator) {
    case "$in":
    case "$nin":
      if (!Array.isArray(operand)) throw invalid(`${name} needs an array`, { field, operator });
      if (operand.length > MAX_IN_VALUES) {
        throw invalid(`${name} has more than ${MAX_IN_VALUES} values`, { field, operator });
      }
      return operand.map((v) => checkValue(field, v));
    case "$exists":
      if (typeof operand === "boolean") return operand;
      if (operand === 0 || operand === 1) return operand === 1;
      throw invalid(`${name} needs true or false`, { field, operator });
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      if (typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand))) {
        return operand;
      }
      throw invalid(`${name} needs a number or a string`, { field, operator });
    default:
      return checkValue(field, operand);
  }
}

function collectIndexable(node: Node, out: Set<string>, equalities: Set<string>): void {
  if (node.op === "and") for (const c of node.children) collectIndexable(c, out, equalities);
  else if (node.op === "field" && node.ref.kind === "json" && INDEXABLE.has(node.operator)) {
    if (node.operator === "$eq" && node.value === null) return;
    out.add(node.ref.path);
    if (node.operator === "$eq" || node.operator === "$in") equalities.add(node.ref.path);
  }
}

function compileNode(db: Indexed, node: Node): Sql {
  if (node.op === "field") return compileField(db, node.ref, node.operator, node.value);
  if (node.children.length === 0) return { sql: node.op === "and" ? "1" : "0", params: [] };
  const parts = node.children.map((c) => compileNode(db, c));
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

function join(parts: (Sql | string)[]): Sql {
  const sql: string[] = [];
  const params: Params = [];
  for (const p of parts) {
    if (typeof p === "string") sql.push(p);
    else {
      sql.push(p.sql);
      params.push(...p.params);
    }
  }
  return { sql: sql.join(""), params };
}

const bind = (value: string | number): Sql => ({ sql: "?", params: [value] });

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
      return join(["(", x, " = ", bind(value), " AND ", t, " IN ('integer', 'real'))"]);
    case "string":
      return join(["(", x, " = ", bind(value), " AND ", t, " = 'text')"]);
    default:
      return join(["(", x, " = json(", bind(JSON.stringify(value)), ") AND ", t, " IN ('object', 'array'))"]);
  }
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
  const numbers = values.filter((v): v is number => typeof v === "number");
  const others = values.filter((v) => typeof v !== "string" && typeof v !== "number");
  const parts: Sql[] = [];
  const x = extractSql(db, ref);
  const t = typeSql(ref.path);
  const list = (vs: (string | number)[]): Sql => ({ sql: vs.map(() => "?").join(", "), params: vs });
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
  return join(["(", extractSql(db, ref), ` ${op} `, bind(value), " AND ", typeSql(ref.path), type, ")"]);
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
    member = join(["type IN ('integer', 'real') AND value = ", bind(value)]);
  else if (typeof value === "string") member = join(["type = 'text' AND value = ", bind(value)]);
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
    ") WHERE ",
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
