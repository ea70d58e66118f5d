import {
  type AppData,
  appendLog,
  createVersion,
  dropUnusedBlobs,
  existingBlobs,
  insertBlob,
  type PreparedBlob,
  prepareBlob,
  putBlob,
  readBlob,
  type VersionInfo,
} from "../apps/index.ts";
import { FaztError, newId, sha256Hex } from "../core/index.ts";
import { type HeaderRule, mimeOf, parseHeaders, parseRedirects, type RedirectRule } from "../web/index.ts";
import { checkManifest, type DeployLimits, type Manifest } from "./manifest.ts";
import { deployWarnings, logDeployWarnings } from "./warnings.ts";
import type { ZipFile } from "./zip.ts";

/** A deploy session lives this long between its manifest and its finish. */
const SESSION_MS = 60 * 60 * 1000;

export interface DeployOutcome {
  app: string;
  version: VersionInfo;
  uploadedBytes: number;
  /** Activated anyway, but worth telling (code that does not parse, no index.html…). */
  warnings: string[];
}

export interface DeploySettings extends DeployLimits {
  keepVersions: number;
}

interface SessionRow {
  manifest: Manifest;
  /** The hashes that were missing when the session began: what the client uploads. */
  missing: string[];
}

/**
 * `_redirects` and `_headers` at the root are parsed at deploy; a bad line is
 * a 400 naming it. `warnings`: headers left out of the rules, for the app's log.
 */
function parseRules(read: (path: string) => Uint8Array | null): {
  redirects: RedirectRule[];
  headers: HeaderRule[];
  warnings: string[];
} {
  const text = (path: string) => {
    const bytes = read(path);
    return bytes ? new TextDecoder().decode(bytes) : null;
  };
  const redirects = text("_redirects");
  const headers = text("_headers");
  const warnings: string[] = [];
  return {
    redirects: redirects === null ? [] : parseRedirects(redirects),
    headers: headers === null ? [] : parseHeaders(headers, (w) => warnings.push(w)),
    warnings,
  };
}

/**
 * `POST /api/deploys`: checks the whole manifest, records a session and
 * answers which contents the server lacks. Nothing else is written.
 */
export function startDeploy(
  store: AppData,
  limits: DeployLimits,
  input: unknown,
): { id: string; missing: string[] } {
  const manifest = checkManifest(input, limits);
  const hashes = [...new Set(manifest.files.map((f) => f.sha256))];
  const have = existingBlobs(store, hashes);
  const missing = hashes.filter((h) => !have.has(h));
  const id = newId("dep");
  const now = Date.now();
  const db = store.engine;
  db.transaction(
    () => {
      db.run("DELETE FROM deploys WHERE expires_at < ?", [now]);
      db.run("INSERT INTO deploys (id, app_name, manifest, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", [
        id,
        manifest.name,
        JSON.stringify({ manifest, missing } satisfies SessionRow),
        now,
        now + SESSION_MS,
      ]);
    },
    { immediate: true },
  );
  return { id, missing };
}

/** The app a deploy session was opened for, or null for an unknown id (the admin routes check keys with it). */
export function deploySessionApp(store: AppData, id: string): string | null {
  return (
    store.engine.get<{ app_name: string }>("SELECT app_name FROM deploys WHERE id = ?", [id])?.app_name ??
    null
  );
}

function loadSession(store: AppData, id: string): SessionRow & { createdAt: number } {
  const row = store.engine.get<{ manifest: string; created_at: number }>(
    "SELECT manifest, created_at FROM deploys WHERE id = ? AND expires_at >= ?",
    [id, Date.now()],
  );
  if (!row) throw new FaztError("NOT_FOUND", `no open deploy ${id} (it finished, failed or expired)`);
  return { ...(JSON.parse(row.manifest) as SessionRow), createdAt: row.created_at };
}

/** `PUT /api/deploys/ID/blobs/SHA256`: one file's contents, checked against its hash and the manifest. */
export function uploadBlob(
  store: AppData,
  id: string,
  sha256: string,
  bytes: Uint8Array,
): Promise<{ stored: boolean }> {
  const { manifest } = loadSession(store, id);
  const file = manifest.files.find((f) => f.sha256 === sha256);
  if (!file) throw new FaztError("VALIDATION_FAILED", `${sha256} is not in this deploy's manifest`);
  if (bytes.byteLength !== file.size) {
    throw new FaztError(
      "VALIDATION_FAILED",
      `${file.path}: got ${bytes.byteLength} bytes, the manifest says ${file.size}`,
    );
  }
  return putBlob(store, sha256, bytes, mimeOf(file.path));
}

/**
 * `POST /api/deploys/ID/finish`: activates the new version in one
 * transaction. Missing contents are a 400 that lists them (the session stays
 * open to upload them); bad rules end the session and drop what it uploaded.
 */
export function finishDeploy(store: AppData, settings: DeploySettings, id: string): DeployOutcome {
  const session = loadSession(store, id);
  const { manifest } = session;
  const have = existingBlobs(store, session.missing);
  const stillMissing = session.missing.filter((h) => !have.has(h));
  if (stillMissing.length > 0) {
    throw new FaztError("VALIDATION_FAILED", `${stillMissing.length} file contents were never uploaded`, {
      details: { missing: stillMissing },
    });
  }
  const byPath = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  let rules: ReturnType<typeof parseRules>;
  try {
    rules = parseRules((path) => {
      const sha = byPath.get(path);
      return sha ? readBlob(store, sha) : null;
    });
  } catch (err) {
    abandon(store, id, session);
    throw err;
  }
  const { appId, version } = activate(store, settings, manifest, rules, () => {
    // The session is consumed by the same transaction that activates: a second finish finds nothing.
    if (store.engine.run("DELETE FROM deploys WHERE id = ?", [id]).changes === 0) {
      throw new FaztError("NOT_FOUND", `no open deploy ${id} (it finished, failed or expired)`);
    }
  });
  const sizes = new Map(manifest.files.map((f) => [f.sha256, f.size]));
  const uploadedBytes = session.missing.reduce((n, h) => n + (sizes.get(h) ?? 0), 0);
  const warnings = warn(store, manifest, appId, version, (path) => {
    const sha = byPath.get(path);
    return sha ? readBlob(store, sha) : null;
  });
  return { app: manifest.name, version, uploadedBytes, warnings: [...rules.warnings, ...warnings] };
}

/** Checked after activation, so a warning never stops a deploy (static files first). */
function warn(
  store: AppData,
  manifest: Manifest,
  appId: string,
  version: VersionInfo,
  read: (path: string) => Uint8Array | null,
): string[] {
  const warnings = deployWarnings(
    manifest.files.map((f) => f.path),
    read,
    manifest.spa,
  );
  logDeployWarnings(store, appId, version.seq, warnings);
  return warnings;
}

/**
 * The one write of a deploy: `first` (consume the session, or store the
 * contents) and the new version with its activation, in one IMMEDIATE
 * transaction — all of it or nothing.
 */
function activate(
  store: AppData,
  settings: DeploySettings,
  manifest: Manifest,
  rules: ReturnType<typeof parseRules>,
  first: () => void,
): { appId: string; version: VersionInfo } {
  const { appId, version } = store.engine.transaction(
    () => {
      first();
      return createVersion(store, {
        appName: manifest.name,
        spa: manifest.spa,
        message: manifest.message,
        files: manifest.files,
        redirects: rules.redirects,
        headers: rules.headers,
        keep: settings.keepVersions,
        activate: !manifest.preview,
      });
    },
    { immediate: true },
  );
  for (const message of rules.warnings) appendLog(store, appId, { level: "warn", message });
  return { appId, version };
}

/** Ends a refused session and removes the contents it uploaded that nothing else uses. */
function abandon(store: AppData, id: string, session: SessionRow & { createdAt: number }): void {
  store.engine.transaction(
    () => {
      store.engine.run("DELETE FROM deploys WHERE id = ?", [id]);
      dropUnusedBlobs(store, session.missing, session.createdAt);
    },
    { immediate: true },
  );
}

/**
 * `POST /api/deploy` (zip): every check — paths, limits, hashes, rules — runs
 * before the first write; then contents and the version go in one
 * transaction, so a refusal or a crash changes nothing.
 */
export async function deployFiles(
  store: AppData,
  settings: DeploySettings,
  input: { name: string; spa: boolean; message?: string | null | undefined; files: ZipFile[] },
): Promise<DeployOutcome> {
  const files = input.files.map((f) => ({
    path: f.path,
    sha256: sha256Hex(f.data),
    size: f.data.byteLength,
    data: f.data,
  }));
  const listed = files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  const manifest = checkManifest(
    { name: input.name, spa: input.spa, message: input.message, files: listed },
    settings,
  );
  const byPath = new Map(files.map((f) => [f.path, f.data]));
  const rules = parseRules((path) => byPath.get(path) ?? null);
  const have = existingBlobs(store, [...new Set(files.map((f) => f.sha256))]);
  const pending = new Map<string, Promise<PreparedBlob>>();
  for (const f of files) {
    if (!have.has(f.sha256) && !pending.has(f.sha256))
      pending.set(f.sha256, prepareBlob(f.sha256, f.data, mimeOf(f.path)));
  }
  const fresh = await Promise.all(pending.values());
  const { appId, version } = activate(store, settings, manifest, rules, () => {
    for (const blob of fresh) insertBlob(store, blob);
  });
  let uploadedBytes = 0;
  for (const b of fresh) uploadedBytes += b.data.byteLength;
  const warnings = warn(store, manifest, appId, version, (path) => byPath.get(path) ?? null);
  return { app: manifest.name, version, uploadedBytes, warnings: [...rules.warnings, ...warnings] };
}
