/**
 * Expression indexes on document fields. The first `find`/`count`/`update`/
 * `delete` that filters or sorts on a field of a collection creates
 *
 *   CREATE INDEX app_docs_f_<app hash>_<hash> ON app_docs (scope, json_extract(data, '<path>'))
 *     WHERE app_id = '<app id>' AND collection = '<collection>'
 *
 * A partial index per app and collection: a write to any other app or
 * collection never pays for it, and apps cannot fill a shared budget for
 * each other. SQLite uses it for a query that binds the same app id and
 * collection (it compares bound values with the index's literals, and
 * re-plans when they change).
 *
 * The literals come only from checked strings: the path from `parseField`
 * (SAFE_JSON_PATH), the collection from its name rule, the app id from a
 * strict pattern; each is checked again here before it is written.
 */
import { FaztError, sha256Hex } from "../core/index.ts";
import type { Engine, Store } from "../db/index.ts";
import { engineOf } from "./common.ts";
import { SAFE_JSON_PATH } from "./fields.ts";
import { pgFieldIndexCatalog } from "./indexes-pg.ts";

/** Field indexes per app and collection. */
export const MAX_FIELD_INDEXES = 16;
/** Field indexes per database, all apps together. */
export const MAX_DATABASE_FIELD_INDEXES = 1000;
const PREFIX = "app_docs_f_";
const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * What the bookkeeping here needs of a database, the same on both engines:
 * SQLite's is made here from its engine, PostgreSQL's by
 * `pgFieldIndexCatalog` (indexes-pg.ts); `catalogOf` picks by dialect.
 */
export interface FieldIndexCatalog {
  /** Names of the usable field indexes whose name starts with `prefix`. */
  list(prefix: string): string[];
  /** Makes the index of a checked app id, collection and path (nothing when it exists). */
  create(appId: string, collection: string, path: string): void;
  /** Drops a listed index. */
  drop(name: string): void;
}

interface IndexState {
  /** Names of field indexes present on this database (listed, plus ours). */
  names: Set<string>;
  /** Indexes refused for a cap: not asked about again by this process. */
  declined: Set<string>;
}

/** A store or an engine (either dialect), or a catalog made for one. */
type Target = Store | Engine | FieldIndexCatalog;
const states = new WeakMap<FieldIndexCatalog, IndexState>();
const sqliteCatalogs = new WeakMap<Engine, FieldIndexCatalog>();

const appPart = (appId: string) => sha256Hex(appId).slice(0, 8);
const collectionPart = (appId: string, collection: string) =>
  sha256Hex(`${appId}\0${collection}`).slice(0, 8);

/** The name prefix of an app's field indexes, on either engine (they are dropped with the app). */
export const appIndexPrefix = (appId: string): string => `${PREFIX}${appPart(appId)}_`;

/** The index name: app hash, collection hash, path hash (so they can be counted and dropped by prefix). */
export const indexName = (appId: string, collection: string, path: string): string =>
  `${PREFIX}${appPart(appId)}_${collectionPart(appId, collection)}_${sha256Hex(path).slice(0, 16)}`;

/** A checked string as a quoted SQL literal; refuses anything that did not pass `pattern`. */
function literal(value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new FaztError("INTERNAL", "refusing an unchecked value in SQL text");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A JSON path as a quoted SQL string literal; refuses anything but a checked path. */
export const pathLiteral = (path: string): string => literal(path, SAFE_JSON_PATH);

function sqliteCatalog(engine: Engine): FieldIndexCatalog {
  let c = sqliteCatalogs.get(engine);
  if (c) return c;
  c = {
    list: (prefix) =>
      engine
        .all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB ?", [
          `${prefix}*`,
        ])
        .map((r) => r.name),
    create: (appId, collection, path) =>
      engine.exec(
        `CREATE INDEX IF NOT EXISTS "${indexName(appId, collection, path)}" ON app_docs (scope, json_extract(data, ${pathLiteral(path)})) ` +
          `WHERE app_id = ${literal(appId, SAFE_NAME)} AND collection = ${literal(collection, SAFE_NAME)}`,
      ),
    drop: (name) => engine.exec(`DROP INDEX IF EXISTS "${name}"`),
  };
  sqliteCatalogs.set(engine, c);
  return c;
}

function catalogOf(t: Target): FieldIndexCatalog {
  if ("list" in t) return t;
  const engine = engineOf(t);
  return engine.dialect === "postgres" ? pgFieldIndexCatalog(engine) : sqliteCatalog(engine);
}

function state(catalog: FieldIndexCatalog): IndexState {
  let s = states.get(catalog);
  if (!s) {
    s = { names: new Set(catalog.list(PREFIX)), declined: new Set() };
    states.set(catalog, s);
  }
  return s;
}

/** Whether a field of a collection has an index this connection knows about. */
export function hasFieldIndex(db: Target, appId: string, collection: string, path: string): boolean {
  return state(catalogOf(db)).names.has(indexName(appId, collection, path));
}

/**
 * Makes sure each path of a collection has an index, within the caps. A path
 * left without one is still queried correctly, only by scanning the collection.
 */
export function ensureFieldIndexes(
  db: Target,
  appId: string,
  collection: string,
  paths: Iterable<string>,
): void {
  if (!SAFE_NAME.test(appId) || !SAFE_NAME.test(collection)) return;
  const catalog = catalogOf(db);
  const s = state(catalog);
  const collectionPrefix = `${PREFIX}${appPart(appId)}_${collectionPart(appId, collection)}_`;
  for (const path of paths) {
    const name = indexName(appId, collection, path);
    if (s.names.has(name) || s.declined.has(name)) continue;
    s.names = new Set(catalog.list(PREFIX)); // another connection may have made it, or used up the caps
    if (s.names.has(name)) continue;
    let inCollection = 0;
    for (const n of s.names) if (n.startsWith(collectionPrefix)) inCollection++;
    if (inCollection >= MAX_FIELD_INDEXES || s.names.size >= MAX_DATABASE_FIELD_INDEXES) {
      s.declined.add(name);
      continue;
    }
    catalog.create(appId, collection, path);
    s.names.add(name);
  }
}

/** Drops an app's field indexes (when the app is removed; its rows go by cascade). */
export function dropFieldIndexes(db: Target, appId: string): number {
  const catalog = catalogOf(db);
  const names = catalog.list(appIndexPrefix(appId));
  for (const name of names) {
    if (!/^app_docs_f_[0-9a-f_]+$/.test(name)) continue;
    catalog.drop(name);
  }
  states.delete(catalog);
  return names.length;
}

/** Forgets what this process knows about a connection's indexes (tests). */
export function forgetFieldIndexes(db: Target): void {
  states.delete(catalogOf(db));
}
