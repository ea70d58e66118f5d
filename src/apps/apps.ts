import type { Database } from "bun:sqlite";
import { FaztError } from "../core/index.ts";
import { dropFieldIndexes } from "../storage/index.ts";
import { type AppData, collectGarbage } from "./blobs.ts";
import { listVersions, type VersionInfo } from "./versions.ts";

/** Apps every instance has; they can be redeployed but not removed. */
export const SEEDED_APPS = ["root", "404"] as const;

export interface AppInfo {
  id: string;
  name: string;
  spa: boolean;
  url: string;
  version: VersionInfo | null;
  hasApi: boolean;
  aliases: string[];
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  spa: number;
  created_at: number;
  updated_at: number;
  v_id: string | null;
  seq: number | null;
  message: string | null;
  file_count: number | null;
  bytes: number | null;
  v_created: number | null;
  has_api: number | null;
}

const SELECT = `SELECT a.id, a.name, a.spa, a.created_at, a.updated_at,
  v.id AS v_id, v.seq, v.message, v.file_count, v.bytes, v.created_at AS v_created, v.has_api
  FROM apps a LEFT JOIN versions v ON v.id = a.current_version_id`;

/** The `app` aliases of each of `appIds` (a second query: string aggregation is spelled differently per engine). */
function aliasesOf(store: AppData, appIds: string[]): Map<string, string[]> {
  const byApp = new Map<string, string[]>();
  if (appIds.length === 0) return byApp;
  const rows = store.engine.all<{ app_id: string; name: string }>(
    `SELECT app_id, name FROM aliases WHERE type = 'app' AND app_id IN (${appIds.map(() => "?").join(",")}) ORDER BY name`,
    appIds,
  );
  for (const r of rows) {
    const list = byApp.get(r.app_id);
    if (list) list.push(r.name);
    else byApp.set(r.app_id, [r.name]);
  }
  return byApp;
}

function toInfo(r: Row, aliases: string[], urlOf: (name: string) => string): AppInfo {
  return {
    id: r.id,
    name: r.name,
    spa: r.spa === 1,
    url: urlOf(r.name),
    version:
      r.v_id === null
        ? null
        : {
            id: r.v_id,
            seq: r.seq!,
            message: r.message,
            files: r.file_count!,
            bytes: r.bytes!,
            createdAt: r.v_created!,
            current: true,
          },
    hasApi: r.has_api === 1,
    aliases: aliases.sort(),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function listApps(
  store: AppData,
  urlOf: (name: string) => string,
  page: { limit: number; offset: number },
): { apps: AppInfo[]; total: number } {
  const rows = store.engine.all<Row>(`${SELECT} ORDER BY a.name LIMIT ? OFFSET ?`, [page.limit, page.offset]);
  const total = store.engine.get<{ n: number }>("SELECT count(*) AS n FROM apps")?.n ?? 0;
  const aliases = aliasesOf(
    store,
    rows.map((r) => r.id),
  );
  return { apps: rows.map((r) => toInfo(r, aliases.get(r.id) ?? [], urlOf)), total };
}

export function getApp(
  store: AppData,
  name: string,
  urlOf: (name: string) => string,
): AppInfo & { keptVersions: number } {
  const row = store.engine.get<Row>(`${SELECT} WHERE a.name = ?`, [name]);
  if (!row) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  const aliases = aliasesOf(store, [row.id]).get(row.id) ?? [];
  return { ...toInfo(row, aliases, urlOf), keptVersions: listVersions(store, name).length };
}

/** The id of the app named `name`; NOT_FOUND when there is none. */
export function appIdOf(store: AppData, name: string): string {
  const row = store.engine.get<{ id: string }>("SELECT id FROM apps WHERE name = ?", [name]);
  if (!row) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  return row.id;
}

/**
 * Removes an app with its versions, aliases and data; contents nothing else
 * uses go with it. `sqlite`: the connection whose field indexes of the app's
 * documents are dropped by name (storage/indexes.ts still takes a bun:sqlite
 * connection; on PostgreSQL there is none yet).
 */
export function removeApp(store: AppData & { readonly sqlite?: Database }, name: string): void {
  if ((SEEDED_APPS as readonly string[]).includes(name)) {
    throw new FaztError(
      "CONFLICT",
      `"${name}" is part of every instance: deploy over it instead of removing it`,
    );
  }
  const id = appIdOf(store, name);
  // Its storage rows go with it (foreign keys); its field indexes are dropped by name.
  store.engine.run("DELETE FROM apps WHERE id = ?", [id]);
  dropFieldIndexes(store.engine, id);
  collectGarbage(store);
}

export interface FileInfo {
  path: string;
  sha256: string;
  size: number;
  mime: string;
}

/** The files of an app's current version, sorted by path. */
export function listFiles(store: AppData, name: string): FileInfo[] {
  const app = store.engine.get<{ v: string | null }>(
    "SELECT current_version_id AS v FROM apps WHERE name = ?",
    [name],
  );
  if (!app) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  if (!app.v) return [];
  return store.engine.all<FileInfo>(
    "SELECT path, sha256, size, mime FROM version_files WHERE version_id = ? ORDER BY path",
    [app.v],
  );
}

/** One file of an app's current version with its contents. */
export function readFile(store: AppData, name: string, path: string): FileInfo & { data: Uint8Array } {
  const row = store.engine.get<FileInfo & { data: Uint8Array }>(
    `SELECT f.path, f.sha256, f.size, f.mime, b.data FROM apps a
     JOIN version_files f ON f.version_id = a.current_version_id
     JOIN blobs b ON b.sha256 = f.sha256
     WHERE a.name = ? AND f.path = ?`,
    [name, path],
  );
  if (!row) throw new FaztError("NOT_FOUND", `"${name}" has no file ${path}`);
  return row;
}
