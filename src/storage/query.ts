/**
 * The document query language: `parseQuery` checks a query object into a
 * tree, which a compiler per engine turns into a SQL condition over
 * `app_docs` (query-sqlite.ts for SQLite's JSON text, query-pg.ts for
 * PostgreSQL's jsonb). Both give the same documents for the same query:
 *
 * - values compare as JSON: `{done: true}` never matches `{done: 1}`, nor
 *   `{n: "5"}` match `{n: 5}`; `null` matches a JSON null or a missing field;
 * - ordering operators compare numbers with numbers (by value) and strings
 *   with strings (by code point, whatever the database's collation);
 * - values are always bound parameters; only checked field paths (and, on
 *   PostgreSQL, checked app ids and collection names) are written into SQL.
 *
 * - objects are equal whatever their key order (jsonb does not keep it).
 *
 * One difference: sorting by a field holding arrays or objects orders them
 * by their JSON text, and jsonb writes its own (spaces, keys sorted by
 * length): tests/storage/ds-query-adversarial.test.ts pins it.
 */
import { encodeJson, invalid, isPlainObject, type Params } from "./common.ts";
import { type FieldRef, parseField } from "./fields.ts";
import { compileSqlite } from "./query-sqlite.ts";

export { extractSql } from "./query-sqlite.ts";

export type Indexed = (path: string) => boolean;

export interface Sql {
  sql: string;
  params: Params;
}

/** Concatenates SQL pieces and their parameters in order (both engines' compilers). */
export function joinSql(parts: (Sql | string)[]): Sql {
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

const MAX_DEPTH = 8;
const MAX_TERMS = 256;
export const MAX_IN_VALUES = 1000;
/** `$in`/`$nin` values of a query in all: its bound parameters stay far below PostgreSQL's 65,535. */
export const MAX_QUERY_IN_VALUES = 10_000;
/** Members of arrays and objects in a query's values, all together (SQLite compares each on its own). */
export const MAX_VALUE_MEMBERS = 1000;

/** The ordering operators and their SQL comparison (the same on both engines). */
export const COMPARISONS = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" } as const;
export type Comparison = keyof typeof COMPARISONS;
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

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A parsed query: its tree, the fields it filters on, and the SQLite compiler. */
export interface ParsedQuery {
  /** The checked condition tree, for a compiler of either engine. */
  root: QueryNode;
  /** JSON paths used by top-level conditions that an index can serve. */
  indexable: Set<string>;
  /** Those of them compared by equality (`$eq`, `$in`): usually selective. */
  equalities: Set<string>;
  /** Compiles for SQLite; `indexed(path)` says which paths have an index now (see query-sqlite.ts). */
  compile(indexed: Indexed): Sql;
}

/**
 * A checked condition. `value` is, by operator: a JSON value (`$eq`, `$ne`,
 * `$contains`), an array of them (`$in`, `$nin`), a boolean (`$exists`), a
 * finite number or a string (`$gt`, `$gte`, `$lt`, `$lte`).
 */
export type QueryNode =
  | { op: "and" | "or"; children: QueryNode[] }
  | { op: "field"; ref: FieldRef; operator: string; value: unknown };
type Node = QueryNode;

/** Parses a query object; every refusal is VALIDATION_FAILED naming the field or operator. */
export function parseQuery(query: unknown): ParsedQuery {
  const counter: Counter = { terms: 0, members: 0, inValues: 0 };
  const root: Node =
    query === undefined || query === null ? { op: "and", children: [] } : parseObject(query, 0, counter);
  const indexable = new Set<string>();
  const equalities = new Set<string>();
  collectIndexable(root, indexable, equalities);
  return { root, indexable, equalities, compile: (indexed) => compileSqlite(indexed, root) };
}

interface Counter {
  terms: number;
  members: number;
  inValues: number;
}

function parseObject(query: unknown, depth: number, counter: Counter): Node {
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
          children.push({ op: "field", ref, operator, value: checkOperand(key, operator, operand, counter) });
        }
      } else {
        children.push({ op: "field", ref, operator: "$eq", value: checkValue(key, value, counter) });
      }
    }
  }
  return { op: "and", children };
}

/**
 * A query value must be JSON (no undefined, functions, BigInt, NaN…). It is
 * compared as the JSON it is written as (a Date as its string, no undefined
 * members), with unpaired surrogates as U+FFFD, as SQLite binds a string.
 */
function checkValue(field: string, value: unknown, counter: Counter): Json {
  if (value === undefined) throw invalid(`query value of ${JSON.stringify(field)} is undefined`, { field });
  const text = encodeJson(value, `query value of ${JSON.stringify(field)}`);
  if (value === null || typeof value !== "object")
    return typeof value === "string" ? value.toWellFormed() : (value as Json);
  return wellFormed(JSON.parse(text) as Json, field, counter);
}

function wellFormed(value: Json, field: string, counter: Counter): Json {
  if (typeof value === "string") return value.toWellFormed();
  if (value === null || typeof value !== "object") return value;
  const members = Array.isArray(value) ? value.length : Object.keys(value).length;
  counter.members += members;
  if (counter.members > MAX_VALUE_MEMBERS) {
    throw invalid(`query values hold more than ${MAX_VALUE_MEMBERS} array or object members`, { field });
  }
  if (Array.isArray(value)) return value.map((v) => wellFormed(v, field, counter));
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a member called __proto__ stays a plain member.
    Object.defineProperty(out, k.toWellFormed(), {
      value: wellFormed(v, field, counter),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function checkOperand(field: string, operator: string, operand: unknown, counter: Counter): unknown {
  const name = `${operator} of ${JSON.stringify(field)}`;
  switch (operator) {
    case "$in":
    case "$nin":
      if (!Array.isArray(operand)) throw invalid(`${name} needs an array`, { field, operator });
      if (operand.length > MAX_IN_VALUES) {
        throw invalid(`${name} has more than ${MAX_IN_VALUES} values`, { field, operator });
      }
      counter.inValues += operand.length;
      if (counter.inValues > MAX_QUERY_IN_VALUES) {
        throw invalid(`query has more than ${MAX_QUERY_IN_VALUES} $in and $nin values in all`, {
          field,
          operator,
        });
      }
      return operand.map((v) => checkValue(field, v, counter));
    case "$exists":
      if (typeof operand === "boolean") return operand;
      if (operand === 0 || operand === 1) return operand === 1;
      throw invalid(`${name} needs true or false`, { field, operator });
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      if (typeof operand === "string") return operand.toWellFormed();
      if (typeof operand === "number" && Number.isFinite(operand)) return operand;
      throw invalid(`${name} needs a number or a string`, { field, operator });
    default:
      return checkValue(field, operand, counter);
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
