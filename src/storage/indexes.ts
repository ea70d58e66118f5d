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
 *
 * On PostgreSQL the same names and caps, over jsonb (indexes-pg.ts): the
 * engine's dialect is looked at here only, in `readNames` and `createIndex`.
 */
import { FaztError, sha256Hex } from "../core/index.ts";
import type { Engine, Store } from "../db/index.ts";
import { engineOf } from "./common.ts";
import { SAFE_JSON_PATH } from "./fields.ts";
import {
  FIELD_INDEX_PREFIX,
  PG_LIST_FIELD_INDEXES,
  pgDropFieldIndexSql,
  pgFieldIndexSql,
} from "./indexes-pg.ts";

/** Field indexes per app and collection. */
export const MAX_FIELD_INDEXES = 16;
/** Field indexes per database, all apps together. */
export const MAX_DATABASE_FIELD_INDEXES = 1000;
const PREFIX = "app_docs_f_";
const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

interface IndexState {
  /** Names of field indexes present and usable on this database (from the catalog, plus ours). */
  names: Set<string>;
  /** Indexes refused for a cap: not asked about again by this process. */
  declined: Set<string>;
}

const states = new WeakMap<Engine, IndexState>();

const appPart = (appId: string) => sha256Hex(appId).slice(0, 8);
const collectionPart = (appId: string, collection: string) =>
  sha256Hex(`${appId}\0${collection}`).slice(0, 8);

/** The name prefix of an app's field indexes, on either engine (they are dropped with the app). */
export const appIndexPrefix = (appId: string): string => `${PREFIX}${appPart(appId)}_`;

/** The index name: app hash, collection hash, path hash (so they can be counted and dropped by prefix). */
export const indexName = (appId: string, collection: string, path: string): string =>
  `${PREFIX}${appPart(appId)}_${collectionPart(appId, collection)}_${sha256Hex(path).slice(0, 16)}`;

function state(engine: Engine): IndexState {
  let s = states.get(engine);
  if (!s) {
    s = { names: readNames(engine), declined: new Set() };
    states.set(engine, s);
  }
  return s;
}

/** Field index names starting with `prefix`; on PostgreSQL only valid ones (a failed concurrent build leaves an invalid one). */
function listIndexes(engine: Engine, prefix: string): { name: string; valid: boolean }[] {
  if (engine.dialect === "postgres") {
    return engine
      .all<{ name: string; valid: boolean | number }>(PG_LIST_FIELD_INDEXES, [prefix])
      .map((r) => ({ name: r.name, valid: r.valid === true || r.valid === 1 }));
  }
  return engine
    .all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB ?", [
      `${prefix}*`,
    ])
    .map((r) => ({ name: r.name, valid: true }));
}

function readNames(engine: Engine): Set<string> {
  return new Set(
    listIndexes(engine, FIELD_INDEX_PREFIX)
      .filter((r) => r.valid)
      .map((r) => r.name),
  );
}

function createIndex(engine: Engine, appId: string, collection: string, path: string, name: string): void {
  if (engine.dialect === "postgres") {
    // An invalid index of this name (a build that failed) would make IF NOT EXISTS a no-op.
    engine.exec(pgDropFieldIndexSql(name).replace("DROP INDEX", "DROP INDEX CONCURRENTLY"));
    engine.exec(pgFieldIndexSql(appId, collection, path).sql);
    return;
  }
  engine.exec(
    `CREATE INDEX IF NOT EXISTS "${name}" ON app_docs (scope, json_extract(data, ${pathLiteral(path)})) ` +
      `WHERE app_id = ${literal(appId, SAFE_NAME)} AND collection = ${literal(collection, SAFE_NAME)}`,
  );
}

/** A checked string as a quoted SQL literal; refuses anything that did not pass `pattern`. */
function literal(value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new FaztError("INTERNAL", "refusing an unchecked value in SQL text");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A JSON path as a quoted SQL string literal; refuses anything but a checked path. */
export const pathLiteral = (path: string): string => literal(path, SAFE_JSON_PATH);

/** Whether a field of a collection has an index this connection knows about. */
export function hasFieldIndex(engine: Engine, appId: string, collection: string, path: string): boolean {
  return state(engine).names.has(indexName(appId, collection, path));
}

/**
 * Makes sure each path of a collection has an index, within the caps. A path
 * left without one is still queried correctly, only by scanning the collection.
 */
export function ensureFieldIndexes(
  engine: Engine,
  appId: string,
  collection: string,
  paths: Iterable<string>,
): void {
  if (!SAFE_NAME.test(appId) || !SAFE_NAME.test(collection)) return;
  const s = state(engine);
  const collectionPrefix = `${PREFIX}${appPart(appId)}_${collectionPart(appId, collection)}_`;
  for (const path of paths) {
    const name = indexName(appId, collection, path);
    if (s.names.has(name) || s.declined.has(name)) continue;
    s.names = readNames(engine); // another connection may have made it, or used up the caps
    if (s.names.has(name)) continue;
    let inCollection = 0;
    for (const n of s.names) if (n.startsWith(collectionPrefix)) inCollection++;
    if (inCollection >= MAX_FIELD_INDEXES || s.names.size >= MAX_DATABASE_FIELD_INDEXES) {
      s.declined.add(name);
      continue;
    }
    createIndex(engine, appId, collection, path, name);
    s.names.add(name);
  }
}

/** Drops an app's field indexes (when the app is removed; its rows go by cascade). */
export function dropFieldIndexes(db: Store | Engine, appId: string): number {
  const engine = engineOf(db);
  const names = listIndexes(engine, appIndexPrefix(appId)).map((r) => r.name);
  for (const name of names) {
    if (!/^app_docs_f_[0-9a-f_]+$/.test(name)) continue;
    engine.exec(engine.dialect === "postgres" ? pgDropFieldIndexSql(name) : `DROP INDEX IF EXISTS "${name}"`);
  }
  states.delete(engine);
  return names.length;
}

/** Forgets what this process knows about a connection's indexes (tests). */
export function forgetFieldIndexes(db: Store | Engine): void {
  states.delete(engineOf(db));
}
