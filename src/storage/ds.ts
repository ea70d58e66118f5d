/**
 * `fazt.app.ds`: JSON documents in named collections, with a small
 * Mongo-like query and update language (see query.ts).
 *
 * A document is stored without its `id`, `_createdAt` and `_updatedAt`
 * (those are columns) and read back as `{id, ...fields, _createdAt,
 * _updatedAt}`. Ids are strings: a number given as `id` is stored as its
 * decimal text, and a number in an `id` query matches that text.
 */
import type { Database } from "bun:sqlite";
import * as v from "valibot";
import { FaztError, parse } from "../core/index.ts";
import {
  encodeJson,
  invalid,
  isPlainObject,
  now,
  type Params,
  type StorageScope,
  statement,
} from "./common.ts";
import { applyChanges, parseChanges } from "./ds-changes.ts";
import { parseField } from "./fields.ts";
import { ensureFieldIndexes, hasFieldIndex } from "./indexes.ts";
import { extractSql, type Indexed, type ParsedQuery, parseQuery, type Sql } from "./query.ts";

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

const INSERT = `INSERT INTO app_docs (app_id, scope, collection, id, data, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;
const WRITE = `UPDATE app_docs SET data = ?, updated_at = ?
  WHERE app_id = ? AND scope = ? AND collection = ? AND id = ?`;
const SCOPE = "app_id = ? AND scope = ? AND collection = ?";

/** The WHERE clause for a query in a collection, after making the indexes it can use. */
function whereFor(
  { store, appId, scope }: StorageScope,
  collection: string,
  q: ParsedQuery,
  extra: string[] = [],
): Sql & { indexed: Indexed } {
  const db = store.sqlite;
  ensureFieldIndexes(db, appId, collection, [...q.indexable, ...extra]);
  const indexed: Indexed = (path) => hasFieldIndex(db, appId, collection, path);
  const cond = q.compile(indexed);
  return { sql: `${SCOPE} AND ${cond.sql}`, params: [appId, scope, collection, ...cond.params], indexed };
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
  const w = whereFor(
    sc,
    collection,
    q,
    sortRefs.flatMap(([r]) => (r.kind === "json" ? [r.path] : [])),
  );
  const order: Sql[] = sortRefs.map(([ref, dir]) => {
    const x = extractSql(w.indexed, ref);
    return { sql: `${x.sql} ${dir === 1 ? "ASC" : "DESC"}`, params: x.params };
  });
  // Newest first. With an equality on an indexed field, `+` keeps SQLite from walking the
  // creation-time index for the order (scanning the whole collection) instead of the field's.
  const byField = [...q.equalities].some(w.indexed);
  order.push({ sql: byField ? "+created_at DESC, +rowid DESC" : "created_at DESC, rowid DESC", params: [] });
  return {
    sql: `SELECT id, data, created_at, updated_at FROM app_docs WHERE ${w.sql} ORDER BY ${order.map((o) => o.sql).join(", ")} LIMIT ? OFFSET ?`,
    params: [...w.params, ...order.flatMap((o) => o.params), opts.limit ?? DEFAULT_LIMIT, opts.offset ?? 0],
  };
}

export function createDs(sc: StorageScope): Ds {
  const { store, appId, scope } = sc;
  const db = store.sqlite;
  const where = (collection: string, q: ParsedQuery): Sql => whereFor(sc, collection, q);

  const rows = (collection: string, q: ParsedQuery, options?: FindOptions | null): DocRow[] => {
    const s = selectFor(sc, checkCollection(collection), q, options);
    return statement<DocRow>(db, s.sql).all(...s.params);
  };
  const find = (collection: string, q: ParsedQuery, options?: FindOptions | null): Doc[] =>
    rows(collection, q, options).map(toDoc);

  return {
    insert(collection, doc) {
      const col = checkCollection(collection);
      if (!isPlainObject(doc)) throw invalid("a document must be an object");
      const given = givenId(doc.id);
      const { id: _id, _createdAt, _updatedAt, ...fields } = doc;
      const data = encodeJson(fields, "document");
      const t = now();
      const insert = statement(db, INSERT);
      if (given !== undefined) {
        if (insert.run(appId, scope, col, given, data, t, t).changes === 0) {
          throw new FaztError(
            "CONFLICT",
            `a document with id ${JSON.stringify(given)} already exists in ${col}`,
          );
        }
        return given;
      }
      for (;;) {
        const id = newDocId();
        if (insert.run(appId, scope, col, id, data, t, t).changes > 0) return id;
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
      const w = where(col, q);
      const sel = statement<{ id: string; data: string }>(db, `SELECT id, data FROM app_docs WHERE ${w.sql}`);
      // IMMEDIATE: read and write under one write lock, so concurrent updates (an
      // `$inc` from two requests) serialise instead of losing one or failing.
      return db
        .transaction(() => {
          const rows = sel.all(...w.params);
          if (plan.length === 0) return rows.length;
          const write = statement(db, WRITE);
          const t = now();
          for (const row of rows) {
            const data = applyChanges(JSON.parse(row.data), plan);
            write.run(encodeJson(data, "document"), t, appId, scope, col, row.id);
          }
          return rows.length;
        })
        .immediate();
    },
    delete(collection, query) {
      const col = checkCollection(collection);
      const w = where(col, toQuery(query, true, true));
      return statement(db, `DELETE FROM app_docs WHERE ${w.sql}`).run(...w.params).changes;
    },
    count(collection, query) {
      const col = checkCollection(collection);
      const w = where(col, toQuery(query, false, false));
      const row = statement<{ n: number }>(db, `SELECT count(*) AS n FROM app_docs WHERE ${w.sql}`).get(
        ...w.params,
      );
      return row?.n ?? 0;
    },
  };
}

/** `EXPLAIN QUERY PLAN` of a `find` (tests and benchmarks: does it use an index?). */
export function explainFind(
  scope: StorageScope,
  collection: string,
  query?: Query | null,
  options?: FindOptions | null,
): string[] {
  const s = selectFor(scope, checkCollection(collection), toQuery(query, false, false), options);
  return explain(scope.store.sqlite, s);
}

function explain(db: Database, s: Sql): string[] {
  // Finalised at once: a finished EXPLAIN statement otherwise stays busy and blocks DDL.
  const st = db.prepare<{ detail: string }, Params>(`EXPLAIN QUERY PLAN ${s.sql}`);
  try {
    return st.all(...s.params).map((r) => r.detail);
  } finally {
    st.finalize();
  }
}
