/**
 * `fazt.app.ds`: JSON documents in named collections, with a small
 * Mongo-like query and update language (see query.ts).
 *
 * A document is stored without its `id`, `_createdAt` and `_updatedAt`
 * (those are columns) and read back as `{id, ...fields, _createdAt,
 * _updatedAt}`. Ids are strings: a number given as `id` is stored as its
 * decimal text, and a number in an `id` query matches that text.
 */
import type { SQLQueryBindings } from "bun:sqlite";
import * as v from "valibot";
import { FaztError, parse } from "../core/index.ts";
import type { Engine, Store } from "../db/index.ts";
import { encodeJson, engineOf, invalid, isPlainObject, now, type StorageScope } from "./common.ts";
import { applyChanges, parseChanges } from "./ds-changes.ts";
import { type DocFindOptions, docStatements } from "./ds-sql.ts";
import { parseField } from "./fields.ts";
import { ensureFieldIndexes, hasFieldIndex } from "./indexes.ts";
import { type Indexed, type ParsedQuery, parseQuery, type Sql } from "./query.ts";

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;
export const MAX_ID_LENGTH = 256;
const COLLECTION = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SORT_FIELDS = 8;

export type Doc = Record<string, unknown> & { id: string; _createdAt: number; _updatedAt: number };
export type Query = Record<string, unknown>;
export type Sort = Record<string, 1 | -1>;
export interface FindOptions {
  /** At most this many documents (default 1000, at most 10000). */
  limit?: number;
  /** Skip this many first. */
  offset?: number;
  /** `{field: 1 | -1, …}` in order of precedence; default newest first. */
  sort?: Sort;
}

export interface Ds {
  /** Stores a document; returns its id (`doc.id` when a non-empty string or a number, else a new one). */
  insert(collection: string, doc: Record<string, unknown>): string;
  find(collection: string, query?: Query | null, options?: FindOptions | null): Doc[];
  /** The first match (newest first), or null; a string or number is an id. */
  findOne(collection: string, query?: Query | string | number | null): Doc | null;
  /**
   * `find` and `findOne` as JSON text, built from the stored text without
   * parsing it: what app code receives (one `JSON.parse` inside the sandbox).
   */
  findJson(collection: string, query?: Query | null, options?: FindOptions | null): string;
  findOneJson(collection: string, query?: Query | string | number | null): string;
  /** Applies `$set`/`$unset`/`$inc` (plain keys mean `$set`) to every match; returns how many. */
  update(collection: string, query: Query | string | number, changes: Record<string, unknown>): number;
  /** Deletes every match; returns how many. `{}` deletes the whole collection. */
  delete(collection: string, query: Query | string | number): number;
  count(collection: string, query?: Query | null): number;
}

const optionsSchema = v.nullish(
  v.strictObject({
    limit: v.nullish(
      v.pipe(
        v.number(),
        v.integer("limit must be an integer"),
        v.minValue(1, "limit must be at least 1"),
        v.maxValue(MAX_LIMIT, `limit must be at most ${MAX_LIMIT}`),
      ),
    ),
    offset: v.nullish(
      v.pipe(
        v.number(),
        v.integer("offset must be an integer"),
        v.minValue(0, "offset must not be negative"),
        v.maxValue(Number.MAX_SAFE_INTEGER),
      ),
    ),
    sort: v.nullish(v.record(v.string(), v.picklist([1, -1], "sort directions are 1 or -1"))),
  }),
);

export function checkCollection(collection: unknown): string {
  if (typeof collection !== "string" || !COLLECTION.test(collection)) {
    throw invalid(
      `invalid collection name ${JSON.stringify(typeof collection === "string" ? collection.slice(0, 80) : collection)}: 1 to 64 letters, digits, _ or -`,
    );
  }
  return collection;
}

/** The id given in a document, or undefined to generate one. */
function givenId(id: unknown): string | undefined {
  if (id === undefined || id === null || id === "") return undefined;
  if (typeof id === "number") {
    if (!Number.isFinite(id)) throw invalid("document id must be a finite number or a string");
    return String(id);
  }
  if (typeof id !== "string") throw invalid("document id must be a string or a number");
  if (id.length > MAX_ID_LENGTH) throw invalid(`document id is longer than ${MAX_ID_LENGTH} characters`);
  return id;
}

/** A query argument: an object, or (findOne/update/delete) an id. */
function toQuery(query: unknown, allowId: boolean, required: boolean): ParsedQuery {
  if (allowId && (typeof query === "string" || typeof query === "number")) {
    const id = givenId(query);
    if (id === undefined) throw invalid("document id must not be empty");
    return parseQuery({ id });
  }
  if (query === undefined || query === null) {
    if (required) throw invalid("a query is required (use {} to match every document)");
    return parseQuery(undefined);
  }
  return parseQuery(query);
}

export interface DocRow {
  id: string;
  data: string;
  created_at: number;
  updated_at: number;
}

export function toDoc(row: DocRow): Doc {
  return { id: row.id, ...JSON.parse(row.data), _createdAt: row.created_at, _updatedAt: row.updated_at };
}

/**
 * `toDoc(row)` as JSON text, spliced from the stored object text. The same
 * document: JSON.parse keeps a key's first position and last value, as the
 * spread in toDoc does. Stored text that is not a bare `{…}` goes the long way.
 */
export function docJson(row: DocRow): string {
  const d = row.data;
  if (d.charCodeAt(0) !== 123 || d.charCodeAt(d.length - 1) !== 125) return JSON.stringify(toDoc(row));
  const inner = d.slice(1, -1);
  const fields = inner.trim() === "" ? "" : `,${inner}`;
  return `{"id":${JSON.stringify(row.id)}${fields},"_createdAt":${row.created_at},"_updatedAt":${row.updated_at}}`;
}

// Generated ids: `doc_` + 20 base32 characters of 6 bytes of time and 50 random bits.
// They sort by creation time (inserts append to the primary key's b-tree), and cost
// far less than a getRandomValues call each.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function newDocId(): string {
  if (poolAt + 8 > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  // 30 bits of time per 6 characters would waste bits: write 50 bits of milliseconds (10 characters)
  // then 50 bits of randomness (10 characters).
  let out = "doc_";
  let t = Date.now();
  let time = "";
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  out += time;
  let bits = 0;
  let acc = 0;
  for (let n = 0; n < 10; ) {
    if (bits < 5) {
      acc = (acc << 8) | pool[poolAt++]!;
      bits += 8;
    }
    out += ALPHABET[(acc >>> (bits - 5)) & 31];
    bits -= 5;
    acc &= (1 << bits) - 1;
    n++;
  }
  return out;
}

/**
 * A document's JSON text as stored. PostgreSQL reads it as jsonb, which
 * cannot hold U+0000: refused on both engines, so both keep the same documents.
 */
function documentText(fields: Record<string, unknown>): string {
  const text = encodeJson(fields, "document");
  // includes() first: the common case costs one native scan, no regex.
  if (text.includes("\\u0000") && /(?:^|[^\\])(?:\\\\)*\\u0000/.test(text)) {
    throw invalid("a document must not contain the character U+0000 (in a string or a key)");
  }
  return text;
}

/** The indexes a query (and sort) can use, made first within the caps; and which exist. */
function indexedFor(
  { engine, appId }: StorageScope,
  collection: string,
  q: ParsedQuery,
  extra: string[] = [],
): Indexed {
  ensureFieldIndexes(engine, appId, collection, [...q.indexable, ...extra]);
  return (path) => hasFieldIndex(engine, appId, collection, path);
}

function selectFor(
  sc: StorageScope,
  collection: string,
  q: ParsedQuery,
  options: FindOptions | null | undefined,
): Sql {
  const opts = parse(optionsSchema, options, "find options") ?? {};
  const sort = opts.sort ?? {};
  const keys = Object.keys(sort);
  if (keys.length > MAX_SORT_FIELDS) throw invalid(`sort has more than ${MAX_SORT_FIELDS} fields`);
  const sortRefs = keys.map((k) => [parseField(k), sort[k]!] as const);
  const indexed = indexedFor(
    sc,
    collection,
    q,
    sortRefs.flatMap(([r]) => (r.kind === "json" ? [r.path] : [])),
  );
  const find: DocFindOptions = {
    sort: sortRefs,
    limit: opts.limit ?? DEFAULT_LIMIT,
    offset: opts.offset ?? 0,
  };
  return docStatements(sc.engine).find({ appId: sc.appId, scope: sc.scope, collection }, q, indexed, find);
}

export function createDs(sc: StorageScope): Ds {
  const { engine, appId, scope } = sc;
  const sql = docStatements(engine);
  const target = (collection: string) => ({ appId, scope, collection });

  const rows = (collection: string, q: ParsedQuery, options?: FindOptions | null): DocRow[] => {
    const s = selectFor(sc, checkCollection(collection), q, options);
    return engine.all<DocRow>(s.sql, s.params);
  };
  const find = (collection: string, q: ParsedQuery, options?: FindOptions | null): Doc[] =>
    rows(collection, q, options).map(toDoc);

  return {
    insert(collection, doc) {
      const col = checkCollection(collection);
      if (!isPlainObject(doc)) throw invalid("a document must be an object");
      const given = givenId(doc.id);
      const { id: _id, _createdAt, _updatedAt, ...fields } = doc;
      const data = documentText(fields);
      const t = now();
      if (given !== undefined) {
        if (engine.run(sql.insert, [appId, scope, col, given, data, t, t]).changes === 0) {
          throw new FaztError(
            "CONFLICT",
            `a document with id ${JSON.stringify(given)} already exists in ${col}`,
          );
        }
        return given;
      }
      for (;;) {
        const id = newDocId();
        if (engine.run(sql.insert, [appId, scope, col, id, data, t, t]).changes > 0) return id;
      }
    },
    find(collection, query, options) {
      return find(collection, toQuery(query, false, false), options);
    },
    findOne(collection, query) {
      return find(collection, toQuery(query, true, false), { limit: 1 })[0] ?? null;
    },
    findJson(collection, query, options) {
      return `[${rows(collection, toQuery(query, false, false), options)
        .map(docJson)
        .join(",")}]`;
    },
    findOneJson(collection, query) {
      const row = rows(collection, toQuery(query, true, false), { limit: 1 })[0];
      return row ? docJson(row) : "null";
    },
    update(collection, query, changes) {
      const col = checkCollection(collection);
      const q = toQuery(query, true, true);
      const plan = parseChanges(changes);
      const sel = sql.selectForUpdate(target(col), q, indexedFor(sc, col, q));
      // IMMEDIATE on SQLite, row locks on PostgreSQL: read and write under one lock, so
      // concurrent updates (an `$inc` from two requests) serialise instead of losing one.
      return engine.transaction(
        () => {
          const rows = engine.all<{ id: string; data: string }>(sel.sql, sel.params);
          if (plan.length === 0) return rows.length;
          const t = now();
          for (const row of rows) {
            const data = applyChanges(JSON.parse(row.data), plan);
            engine.run(sql.write, [documentText(data), t, appId, scope, col, row.id]);
          }
          return rows.length;
        },
        { immediate: true },
      );
    },
    delete(collection, query) {
      const col = checkCollection(collection);
      const q = toQuery(query, true, true);
      const s = sql.delete(target(col), q, indexedFor(sc, col, q));
      return engine.run(s.sql, s.params).changes;
    },
    count(collection, query) {
      const col = checkCollection(collection);
      const q = toQuery(query, false, false);
      const s = sql.count(target(col), q, indexedFor(sc, col, q));
      return Number(engine.get<{ n: number }>(s.sql, s.params)?.n ?? 0);
    },
  };
}

/** The query plan of a `find` (tests and benchmarks: does it use an index?), a line per step. */
export function explainFind(
  db: Store | Engine,
  appId: string,
  scope: string,
  collection: string,
  query?: Query | null,
  options?: FindOptions | null,
): string[] {
  const engine = engineOf(db);
  const s = selectFor(
    { engine, appId, scope },
    checkCollection(collection),
    toQuery(query, false, false),
    options,
  );
  if (engine.dialect === "postgres") {
    return engine.all<{ "QUERY PLAN": string }>(`EXPLAIN ${s.sql}`, s.params).map((r) => r["QUERY PLAN"]);
  }
  const sql = `EXPLAIN QUERY PLAN ${s.sql}`;
  if (!("sqlite" in db)) return engine.all<{ detail: string }>(sql, s.params).map((r) => r.detail);
  // Prepared apart and finalised at once: a finished EXPLAIN statement kept in the
  // engine's cache stays busy, and SQLite then refuses to drop an index.
  const st = db.sqlite.prepare<{ detail: string }, SQLQueryBindings[]>(sql);
  try {
    return st.all(...(s.params as SQLQueryBindings[])).map((r) => r.detail);
  } finally {
    st.finalize();
  }
}
