/**
 * Field indexes of the document store on PostgreSQL: the same names, caps
 * and partial scope as on SQLite (indexes.ts), over jsonb:
 *
 *   CREATE INDEX app_docs_f_<app hash>_<hash> ON app_docs (scope, (data::jsonb -> 'a' -> 'b'))
 *     WHERE app_id = '<app id>' AND collection = '<collection>'
 *
 * PostgreSQL matches an index expression by its parsed form, so a query
 * must write the same expression (query-pg.ts uses `pgPathSql`), and it
 * uses a partial index only when it can prove the predicate: from literals,
 * or from bound values in a plan made for them (a generic plan cannot), so
 * a query over an indexed field writes the app id and collection as
 * literals too (query-pg-statements.ts).
 *
 * A path reads what SQLite's JSON path reads: `[0]` only an array element
 * and `."a"` only an object member (`pgPathSql`).
 */
import { FaztError } from "../core/index.ts";
import { SAFE_JSON_PATH } from "./fields.ts";
import { type FieldIndexCatalog, indexName } from "./indexes.ts";

const PREFIX = "app_docs_f_";
const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function refuse(): never {
  throw new FaztError("INTERNAL", "refusing an unchecked value in SQL text");
}

/** A checked name (app id, collection) as a quoted SQL literal. */
export function pgNameLiteral(value: string): string {
  if (!SAFE_NAME.test(value)) refuse();
  return `'${value}'`;
}

const MEMBERS = /^\$(?:\."[A-Za-z_$][A-Za-z0-9_$-]{0,63}")+$/;

/**
 * A checked JSON path (`$."a"[0]`, from `parseField`) as a jsonb expression
 * over the `data` column (JSON text, read as jsonb: the same text as on
 * SQLite, so `fazt db copy` and its digests see the same rows); refuses any other text. A path of object members
 * only is a `->` chain (`-> 'x'` is NULL on anything but an object); one
 * with an array index is a strict jsonpath, since `-> 0` would also read a
 * scalar (jsonb keeps it as a one-element array) and `#>` an object's "0".
 */
export function pgPathSql(path: string): string {
  if (!SAFE_JSON_PATH.test(path)) refuse();
  if (!MEMBERS.test(path)) return `jsonb_path_query_first(data::jsonb, 'strict ${path}', '{}', true)`;
  const names = path.slice(3, -1).split('"."');
  return `(data::jsonb${names.map((n) => ` -> '${n}'`).join("")})`;
}

/**
 * The DDL of a field index: the same name as on SQLite (`indexName`).
 * CONCURRENTLY: a plain CREATE INDEX blocks every write to app_docs, all
 * apps', on every node, while it reads the whole table. It cannot run in a
 * transaction, and a build that fails leaves an invalid index, which
 * PG_LIST_FIELD_INDEXES reports (`valid` false) to be dropped and made again.
 */
export function pgFieldIndexSql(
  appId: string,
  collection: string,
  path: string,
): { name: string; sql: string } {
  const name = indexName(appId, collection, path);
  if (!/^app_docs_f_[0-9a-f_]+$/.test(name)) refuse();
  return {
    name,
    sql:
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON app_docs (scope, ${pgPathSql(path)}) ` +
      `WHERE app_id = ${pgNameLiteral(appId)} AND collection = ${pgNameLiteral(collection)}`,
  };
}

/**
 * The field indexes present (what `sqlite_master` tells on SQLite) as
 * `{name, valid}`, names starting with the bound prefix: `app_docs_f_` for
 * all, or an app's (`appIndexPrefix`). `_` is a LIKE wildcard: escaped.
 */
export const PG_LIST_FIELD_INDEXES =
  "SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i " +
  "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid " +
  "WHERE t.relname = 'app_docs' AND t.relnamespace = current_schema()::regnamespace " +
  "AND c.relname LIKE replace(?::text, '_', '\\_') || '%'";

/** The prefix of every field index name, for PG_LIST_FIELD_INDEXES. */
export const FIELD_INDEX_PREFIX = PREFIX;

/** DROP of a listed field index; refuses a name that is not one. */
export function pgDropFieldIndexSql(name: string): string {
  if (!/^app_docs_f_[0-9a-f_]+$/.test(name)) refuse();
  return `DROP INDEX IF EXISTS "${name}"`;
}

/** What the catalog needs of the PostgreSQL engine (src/db's Engine has it). */
export interface PgIndexEngine {
  all<T = Record<string, unknown>>(sql: string, params?: readonly (string | number)[]): T[];
  exec(sql: string): void;
}

const catalogs = new WeakMap<PgIndexEngine, FieldIndexCatalog>();

/** Whether some session is building the named index now (CREATE INDEX CONCURRENTLY in progress). */
const PG_INDEX_BUILDING =
  "SELECT count(*) AS n FROM pg_stat_progress_create_index p JOIN pg_class c ON c.oid = p.index_relid " +
  "WHERE c.relname = ?::text";

/**
 * The field index catalog of a PostgreSQL engine, for indexes.ts's
 * bookkeeping (`ensureFieldIndexes(catalog, …)`). Its calls must run outside
 * a transaction (CONCURRENTLY). A failed build leaves an invalid index,
 * which `list` leaves out; `create` then drops it and builds again, unless
 * another session is building it right now. Another node making the same
 * index at the same time is no error.
 */
export function pgFieldIndexCatalog(engine: PgIndexEngine): FieldIndexCatalog {
  let c = catalogs.get(engine);
  if (c) return c;
  const listAll = (prefix: string) =>
    engine.all<{ name: string; valid: boolean }>(PG_LIST_FIELD_INDEXES, [prefix]);
  const build = (sql: string, name: string) => {
    try {
      engine.exec(sql);
    } catch (e) {
      if (!listAll(name).some((r) => r.name === name)) throw e;
    }
  };
  c = {
    list: (prefix) =>
      listAll(prefix)
        .filter((r) => r.valid)
        .map((r) => r.name),
    create(appId, collection, path) {
      const ddl = pgFieldIndexSql(appId, collection, path);
      build(ddl.sql, ddl.name);
      const row = listAll(ddl.name).find((r) => r.name === ddl.name);
      if (row && !row.valid && Number(engine.all<{ n: number }>(PG_INDEX_BUILDING, [ddl.name])[0]?.n) === 0) {
        engine.exec(pgDropFieldIndexSql(ddl.name));
        build(ddl.sql, ddl.name);
      }
    },
    drop(name) {
      engine.exec(pgDropFieldIndexSql(name));
    },
  };
  catalogs.set(engine, c);
  return c;
}
