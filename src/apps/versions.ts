import { FaztError, newId, parse } from "../core/index.ts";
import type { HeaderRule, RedirectRule } from "../web/index.ts";
import { mimeOf } from "../web/index.ts";
import { type AppData, collectGarbage } from "./blobs.ts";
import { appNameSchema } from "./names.ts";

export interface VersionFile {
  path: string;
  sha256: string;
  size: number;
}

export interface NewVersion {
  appName: string;
  spa: boolean;
  message?: string | null | undefined;
  files: VersionFile[];
  redirects: RedirectRule[];
  headers: HeaderRule[];
  /** How many versions to keep per app (the current one always stays). */
  keep: number;
  /** false: record the version without serving it (a preview deploy); the current one stays. */
  activate?: boolean;
}

export interface VersionInfo {
  id: string;
  seq: number;
  message: string | null;
  files: number;
  bytes: number;
  createdAt: number;
  current: boolean;
}

interface AppRow {
  id: string;
  name: string;
  current_version_id: string | null;
}

function findApp(store: AppData, name: string): AppRow | null {
  return store.engine.get<AppRow>("SELECT id, name, current_version_id FROM apps WHERE name = ?", [name]);
}

/** The advisory-lock class of deploys (an app name is hashed into the second key). */
const DEPLOY_LOCK_CLASS = 46_100;

/**
 * Deploys of one app take turns. On SQLite the IMMEDIATE transaction already
 * serialises every writer; PostgreSQL has no such thing, so two nodes would
 * both read "no app" or the same last `seq` and one would fail on a unique
 * key. A transaction-scoped advisory lock per app name makes the second wait
 * for the first's commit (released with the transaction, also on a kill).
 */
function takeDeployTurn(store: AppData, name: string): void {
  if (store.engine.dialect !== "postgres") return;
  store.engine.get(
    `SELECT pg_advisory_xact_lock(${DEPLOY_LOCK_CLASS}, hashtext(?::text)) IS NULL AS locked`,
    [name],
  );
}

/**
 * Records a deploy as a new immutable version and activates it (unless
 * `activate` is false: a preview), all in one transaction: visitors see the whole old site or the whole new one, and a
 * failure (or a kill) at any point leaves the old one serving. The app and its
 * alias are created on first deploy. Versions beyond `keep` are dropped and
 * contents nothing references any more are collected afterwards.
 */
export function createVersion(store: AppData, input: NewVersion): { appId: string; version: VersionInfo } {
  const name = parse(appNameSchema, input.appName, "name");
  const db = store.engine;
  const now = Date.now();
  const bytes = input.files.reduce((n, f) => n + f.size, 0);
  const hasApi = input.files.some((f) => f.path === "api/main.js");
  const activate = input.activate ?? true;
  const write = (): { appId: string; version: VersionInfo } => {
    takeDeployTurn(store, name);
    let app = findApp(store, name);
    if (!app) {
      const alias = db.get<{ type: string }>("SELECT type FROM aliases WHERE name = ?", [name]);
      if (alias) throw new FaztError("CONFLICT", `"${name}" is taken by a ${alias.type} alias`);
      app = { id: newId("app"), name, current_version_id: null };
      db.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
        app.id,
        name,
        input.spa,
        now,
        now,
      ]);
      db.run("INSERT INTO aliases (name, type, app_id, created_at, updated_at) VALUES (?, 'app', ?, ?, ?)", [
        name,
        app.id,
        now,
        now,
      ]);
    }
    const seq =
      (db.get<{ s: number | null }>("SELECT max(seq) AS s FROM versions WHERE app_id = ?", [app.id])?.s ??
        0) + 1;
    const id = newId("ver");
    db.run(
      "INSERT INTO versions (id, app_id, seq, message, spa, file_count, bytes, redirects, headers, has_api, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        id,
        app.id,
        seq,
        input.message ?? null,
        input.spa,
        input.files.length,
        bytes,
        JSON.stringify(input.redirects),
        JSON.stringify(input.headers),
        hasApi,
        now,
      ],
    );
    for (const f of input.files) {
      db.run("INSERT INTO version_files (version_id, path, sha256, size, mime) VALUES (?, ?, ?, ?, ?)", [
        id,
        f.path,
        f.sha256,
        f.size,
        mimeOf(f.path),
      ]);
    }
    if (activate) {
      db.run("UPDATE apps SET current_version_id = ?, spa = ?, updated_at = ? WHERE id = ?", [
        id,
        input.spa,
        now,
        app.id,
      ]);
    }
    // A preview is the newest version, so it is kept until `keep` newer ones arrive, like any other.
    pruneVersions(store, app.id, input.keep);
    return {
      appId: app.id,
      version: {
        id,
        seq,
        message: input.message ?? null,
        files: input.files.length,
        bytes,
        createdAt: now,
        current: activate,
      },
    };
  };
  let result: { appId: string; version: VersionInfo };
  try {
    result = db.transaction(write, { immediate: true });
  } catch (e) {
    if (e instanceof FaztError && (e.details as { db?: unknown } | undefined)?.db === "foreign_key") {
      throw new FaztError("VALIDATION_FAILED", "some file contents were never uploaded");
    }
    throw e;
  }
  collectGarbage(store);
  return result;
}

/** Keeps the newest `keep` versions (and always the current one). */
function pruneVersions(store: AppData, appId: string, keep: number): void {
  store.engine.run(
    `DELETE FROM versions WHERE app_id = ? AND id NOT IN (SELECT id FROM versions WHERE app_id = ? ORDER BY seq DESC LIMIT ?)
     AND id NOT IN (SELECT current_version_id FROM apps WHERE id = ? AND current_version_id IS NOT NULL)`,
    [appId, appId, keep, appId],
  );
}

export function listVersions(store: AppData, appName: string): VersionInfo[] {
  const app = findApp(store, appName);
  if (!app) throw new FaztError("NOT_FOUND", `no app named "${appName}"`);
  return store.engine
    .all<{
      id: string;
      seq: number;
      message: string | null;
      file_count: number;
      bytes: number;
      created_at: number;
    }>(
      "SELECT id, seq, message, file_count, bytes, created_at FROM versions WHERE app_id = ? ORDER BY seq DESC",
      [app.id],
    )
    .map((r) => ({
      id: r.id,
      seq: r.seq,
      message: r.message,
      files: r.file_count,
      bytes: r.bytes,
      createdAt: r.created_at,
      current: r.id === app.current_version_id,
    }));
}

/**
 * Re-activates a kept version: by default the one before the current one,
 * or `to` (a version id). One UPDATE, so it is instant and atomic.
 */
export function rollback(store: AppData, appName: string, to?: string): VersionInfo {
  const versions = listVersions(store, appName);
  const currentIdx = versions.findIndex((v) => v.current);
  const target = to
    ? versions.find((v) => v.id === to)
    : versions.find((v, i) => i > currentIdx && currentIdx >= 0 && !v.current);
  if (!target) {
    throw new FaztError(
      "NOT_FOUND",
      to ? `no kept version ${to} of "${appName}"` : `"${appName}" has no earlier version to roll back to`,
    );
  }
  store.engine.run(
    "UPDATE apps SET current_version_id = ?, spa = (SELECT spa FROM versions WHERE id = ?), updated_at = ? WHERE name = ?",
    [target.id, target.id, Date.now(), appName],
  );
  return { ...target, current: true };
}
