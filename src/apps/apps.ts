import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { dropFieldIndexes } from "../storage/index.ts";
import { collectGarbage } from "./blobs.ts";
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
  aliases: string | null;
}

const SELECT = `SELECT a.id, a.name, a.spa, a.created_at, a.updated_at,
  v.id AS v_id, v.seq, v.message, v.file_count, v.bytes, v.created_at AS v_created, v.has_api,
  (SELECT group_concat(al.name, ',') FROM aliases al WHERE al.app_id = a.id AND al.type = 'app') AS aliases
  FROM apps a LEFT JOIN versions v ON v.id = a.current_version_id`;

function toInfo(r: Row, urlOf: (name: string) => string): AppInfo {
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
    aliases: r.aliases ? r.aliases.split(",").sort() : [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function listApps(
  store: Store,
  urlOf: (name: string) => string,
  page: { limit: number; offset: number },
): { apps: AppInfo[]; total: number } {
  const rows = store.sqlite
    .query<Row, [number, number]>(`${SELECT} ORDER BY a.name LIMIT ? OFFSET ?`)
    .all(page.limit, page.offset);
  const total = store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM apps").get()?.n ?? 0;
  return { apps: rows.map((r) => toInfo(r, urlOf)), total };
}

export function getApp(
  store: Store,
  name: string,
  urlOf: (name: string) => string,
): AppInfo & { keptVersions: number } {
  const row = store.sqlite.query<Row, [string]>(`${SELECT} WHERE a.name = ?`).get(name);
  if (!row) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  return { ...toInfo(row, urlOf), keptVersions: listVersions(store, name).length };
}

/** Removes an app with its versions, aliases and data; contents nothing else uses go with it. */
export function removeApp(store: Store, name: string): void {
  if ((SEEDED_APPS as readonly string[]).includes(name)) {
    throw new FaztError(
      "CONFLICT",
      `"${name}" is part of every instance: deploy over it instead of removing it`,
    );
  }
  const app = store.sqlite.query<{ id: string }, [string]>("SELECT id FROM apps WHERE name = ?").get(name);
  if (!app) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  // Its storage rows go with it (foreign keys); its field indexes are dropped by name.
  store.sqlite.query("DELETE FROM apps WHERE id = ?").run(app.id);
  dropFieldIndexes(store, app.id);
  collectGarbage(store);
}

export interface FileInfo {
  path: string;
  sha256: string;
  size: number;
  mime: string;
}

/** The files of an app's current version, sorted by path. */
export function listFiles(store: Store, name: string): FileInfo[] {
  const app = store.sqlite
    .query<{ v: string | null }, [string]>("SELECT current_version_id AS v FROM apps WHERE name = ?")
    .get(name);
  if (!app) throw new FaztError("NOT_FOUND", `no app named "${name}"`);
  if (!app.v) return [];
  return store.sqlite
    .query<FileInfo, [string]>(
      "SELECT path, sha256, size, mime FROM version_files WHERE version_id = ? ORDER BY path",
    )
    .all(app.v);
}

/** One file of an app's current version with its contents. */
export function readFile(store: Store, name: string, path: string): FileInfo & { data: Uint8Array } {
  const row = store.sqlite
    .query<FileInfo & { data: Uint8Array }, [string, string]>(
      `SELECT f.path, f.sha256, f.size, f.mime, b.data FROM apps a
       JOIN version_files f ON f.version_id = a.current_version_id
       JOIN blobs b ON b.sha256 = f.sha256
       WHERE a.name = ? AND f.path = ?`,
    )
    .get(name, path);
  if (!row) throw new FaztError("NOT_FOUND", `"${name}" has no file ${path}`);
  return row;
}
