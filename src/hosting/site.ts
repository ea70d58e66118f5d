import type { AppData } from "../apps/index.ts";
import {
  compileHeaders,
  compileRedirects,
  type HeaderRule,
  type HeaderTable,
  isHiddenPath,
  type RedirectRule,
  type RedirectTable,
} from "../web/index.ts";
import { cacheControlFor } from "./cache-control.ts";

/** One servable file of a version, with the headers that never change for it. */
export interface SiteFile {
  path: string;
  sha256: string;
  size: number;
  mime: string;
  cacheControl: string;
  /** Strong ETags per representation, made once. */
  etags: { identity: string; br: string; gzip: string };
  hasBr: boolean;
  hasGzip: boolean;
}

export interface AppSite {
  kind: "app";
  name: string;
  /** The app's own name (an alias may call it otherwise). */
  appName: string;
  appId: string;
  versionId: string;
  spa: boolean;
  hasApi: boolean;
  files: Map<string, SiteFile>;
  /** null: the version has no `_redirects` rules (the hot path checks this first). */
  redirects: RedirectTable | null;
  /** null: the version has no `_headers` rules. */
  headers: HeaderTable | null;
}

/** What a subdomain resolves to: alias → app → current version (docs/hosting.md). */
export type Site = AppSite | { kind: "redirect"; url: string } | { kind: "reserved" };

const MAX_SITES = 10_000;

function etagsOf(sha256: string): SiteFile["etags"] {
  const tag = sha256.slice(0, 32);
  return { identity: `"${tag}"`, br: `"${tag}-br"`, gzip: `"${tag}-gzip"` };
}

export { isHiddenPath };

/** Files that configure the site and are never served. */
const HIDDEN = new Set(["_redirects", "_headers"]);

/** Whether a stored file can ever be served: not the rules, not app code, not hidden. */
const servable = (path: string) => !HIDDEN.has(path) && !path.startsWith("api/") && !isHiddenPath(`/${path}`);

/** Stored rules (JSON) compiled for matching, or null when there are none. */
function compiled<R, T extends { rules: unknown[] }>(
  json: string | null,
  compile: (rules: R[]) => T,
): T | null {
  const rules = JSON.parse(json ?? "[]") as R[];
  if (!Array.isArray(rules) || rules.length === 0) return null;
  const table = compile(rules);
  return table.rules.length ? table : null;
}

interface AliasRow {
  type: "app" | "redirect" | "reserved";
  url: string | null;
  app_id: string | null;
  app_name: string | null;
  version_id: string | null;
  spa: number | null;
  has_api: number | null;
  redirects: string | null;
  headers: string | null;
}

interface FileRow {
  path: string;
  sha256: string;
  size: number;
  mime: string;
  has_br: number;
  has_gzip: number;
}

interface VersionRow {
  app_id: string;
  app_name: string;
  version_id: string;
  spa: number;
  has_api: number;
  redirects: string | null;
  headers: string | null;
}

/** The servable files and rules of one version (inside the caller's transaction). */
function siteOf(store: AppData, name: string, v: VersionRow): AppSite {
  // CASE, not `IS NOT NULL`: PostgreSQL answers a comparison with a boolean, SQLite with 0/1.
  const rows = store.engine.all<FileRow>(
    `SELECT f.path, f.sha256, f.size, f.mime,
       CASE WHEN b.br IS NULL THEN 0 ELSE 1 END AS has_br, CASE WHEN b.gzip IS NULL THEN 0 ELSE 1 END AS has_gzip
     FROM version_files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f.version_id = ?`,
    [v.version_id],
  );
  const files = new Map<string, SiteFile>();
  for (const r of rows) {
    // `api/` is the app's code, run by the runtime from its own copy: never a static file.
    if (!servable(r.path)) continue;
    files.set(r.path, {
      path: r.path,
      sha256: r.sha256,
      size: r.size,
      mime: r.mime,
      cacheControl: cacheControlFor(r.path, r.mime),
      etags: etagsOf(r.sha256),
      hasBr: r.has_br === 1,
      hasGzip: r.has_gzip === 1,
    });
  }
  return {
    kind: "app",
    name,
    appName: v.app_name,
    appId: v.app_id,
    versionId: v.version_id,
    spa: v.spa === 1,
    hasApi: v.has_api === 1,
    files,
    redirects: compiled(v.redirects, (rules: RedirectRule[]) => compileRedirects(rules)),
    headers: compiled(v.headers, (rules: HeaderRule[]) => compileHeaders(rules)),
  };
}

/**
 * The name under which the site cache holds a preview of version `seq` of
 * `app`. A `:` never occurs in a name taken from a Host (http/host-routing.ts
 * admits `[a-z0-9-]` only), so no request reaches a preview through an alias
 * name, whatever the aliases are called.
 */
export const previewKey = (app: string, seq: number): string => `preview:${seq}:${app}`;
const PREVIEW_KEY = /^preview:([0-9]+):(.+)$/;

/**
 * Reads what `name` serves, in one consistent read. `null`: no such alias,
 * or an app with no version. A preview key (`previewKey`) reads that kept
 * version of the app, current or not; only the handler's admin gate ever
 * asks for one (http/preview.ts).
 *
 * One snapshot for its two reads (the version, then its files), or a version
 * pruned in between by another writer would load with no files: SQLite's read
 * transaction has one; PostgreSQL's default (READ COMMITTED) takes a new one
 * per statement, so the transaction asks for REPEATABLE READ. It must be the
 * first statement of its own transaction: loadSite is never called inside one.
 */
export function loadSite(store: AppData, name: string): Site | null {
  const db = store.engine;
  return db.transaction((): Site | null => {
    if (db.dialect === "postgres") db.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    const preview = PREVIEW_KEY.exec(name);
    if (preview) {
      const version = db.get<VersionRow>(
        `SELECT a.id AS app_id, a.name AS app_name, v.id AS version_id, v.spa, v.has_api, v.redirects, v.headers
         FROM apps a JOIN versions v ON v.app_id = a.id WHERE a.name = ? AND v.seq = ?`,
        [preview[2]!, Number(preview[1])],
      );
      return version ? siteOf(store, name, version) : null;
    }
    const alias = db.get<AliasRow>(
      `SELECT al.type, al.url, al.app_id, a.name AS app_name, v.id AS version_id, v.spa, v.has_api, v.redirects, v.headers
       FROM aliases al LEFT JOIN apps a ON a.id = al.app_id LEFT JOIN versions v ON v.id = a.current_version_id
       WHERE al.name = ?`,
      [name],
    );
    if (!alias) return null;
    if (alias.type === "redirect") return { kind: "redirect", url: alias.url ?? "/" };
    if (alias.type === "reserved") return { kind: "reserved" };
    if (!alias.app_id || !alias.version_id) return null;
    return siteOf(store, name, {
      app_id: alias.app_id,
      app_name: alias.app_name ?? name,
      version_id: alias.version_id,
      spa: alias.spa ?? 0,
      has_api: alias.has_api ?? 0,
      redirects: alias.redirects,
      headers: alias.headers,
    });
  });
}

/**
 * Tells the site cache whether the database changed since it last looked,
 * through a number that moves whenever another writer committed: another
 * process on the SQLite file, or another node on PostgreSQL.
 */
export interface ChangeSource {
  generation(): number;
}

/**
 * A generation moved from outside: on PostgreSQL there is no `data_version`,
 * so whoever hears the other nodes (a `LISTEN` on the database) calls `bump()`.
 */
export class Generation implements ChangeSource {
  #n = 0;
  generation(): number {
    return this.#n;
  }
  bump(): void {
    this.#n++;
  }
}

/**
 * SQLite's `PRAGMA data_version` moves on every commit made by a connection
 * other than this one, and reading it costs no disk access. PostgreSQL has no
 * such thing: a `Generation` that the node's notification listener bumps.
 */
export function changeSourceFor(store: AppData): ChangeSource {
  const engine = store.engine;
  if (engine.dialect === "sqlite") {
    return {
      generation: () => engine.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? 0,
    };
  }
  return new Generation();
}

/**
 * Sites by name, loaded on first request. Dropped whole when apps or aliases
 * change: through `invalidate` in this process, which bumps `generation`, a
 * counter in memory every listener thread shares and checks on each request
 * (so every listener serves a change as soon as the API has answered), and
 * when another writer changed the database (another process on the SQLite
 * file, another node on PostgreSQL: the `ChangeSource` moved; checked at most
 * every 250 ms).
 */
export class SiteCache {
  readonly #sites = new Map<string, Site | null>();
  /** Set by a timer every 250 ms, so the hot path reads a boolean instead of a clock. */
  #recheck = true;
  readonly #changes: ChangeSource;
  /** The last `ChangeSource` generation seen, and the last shared in-process one. */
  #seenChanges: number;
  #seenLocal: number;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly store: AppData,
    readonly generation: Int32Array = new Int32Array(new SharedArrayBuffer(4)),
    changes: ChangeSource = changeSourceFor(store),
  ) {
    this.#changes = changes;
    this.#seenChanges = changes.generation();
    this.#seenLocal = Atomics.load(generation, 0);
    this.#timer = setInterval(() => {
      this.#recheck = true;
    }, 250);
    this.#timer.unref?.();
  }

  get(name: string): Site | null {
    const local = Atomics.load(this.generation, 0);
    if (local !== this.#seenLocal) {
      this.#seenLocal = local;
      this.#sites.clear();
    }
    if (this.#recheck) {
      this.#recheck = false;
      const now = this.#changes.generation();
      if (now !== this.#seenChanges) {
        this.#seenChanges = now;
        this.#sites.clear();
      }
    }
    let site = this.#sites.get(name);
    if (site === undefined) {
      // Unknown names are remembered too; a flood of random subdomains cannot grow this without bound.
      if (this.#sites.size >= MAX_SITES) this.#sites.clear();
      site = loadSite(this.store, name);
      this.#sites.set(name, site);
    }
    return site;
  }

  invalidate(): void {
    this.#seenLocal = Atomics.add(this.generation, 0, 1) + 1;
    this.#sites.clear();
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
