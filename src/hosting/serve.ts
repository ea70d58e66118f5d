import type { AppData } from "../apps/index.ts";
import { FaztError, splitUrl } from "../core/index.ts";
import type { Config } from "../db/index.ts";
import { type CompiledRedirect, findRedirect, headersFor } from "../web/index.ts";
import { ContentCache } from "./content-cache.ts";
import { DiskCache, diskCacheDir, pruneDiskCache } from "./disk-cache.ts";
import { prefersHtml } from "./negotiate.ts";
import { ADD_SLASH, DROP_SLASH, filePage, requestedFile } from "./pages.ts";
import { baseHeaders, type Common, ContentReader, fileResponse } from "./respond.ts";
import { NOT_FOUND_HTML } from "./seeded-pages.ts";
import { type AppSite, type ChangeSource, isHiddenPath, SiteCache, type SiteFile } from "./site.ts";

/** Who is signed in, if anyone; the accounts issue provides the real one. */
export type UserOf = (req: Request) => unknown | null;

/**
 * Thrown by a listener thread's `UserOf` and `ApiHandler`
 * (http/listener-worker.ts), which have no sessions and no app code: the
 * request is answered by the main thread instead. Thrown before anything of
 * the request was read or answered.
 */
export class HandOff extends Error {
  constructor() {
    super("answered by the main thread");
  }
}

/** Where a 200 rule sent a request under `/api`: the path and query app code sees. */
export interface RewrittenUrl {
  path: string;
  query: string;
}

/**
 * Runs an app's own code for `/api` and `/api/*`; provided by the runtime.
 * `rewritten`: the request came through a 200 rule (the handler sees the target).
 */
export type ApiHandler = (
  req: Request,
  site: AppSite,
  common: Common,
  rewritten?: RewrittenUrl,
) => Promise<Response>;

export interface Hosting {
  /**
   * Answers a request for the app (or alias) `name`, or for an unknown host
   * when `name` is null. `common` headers go on every response built here;
   * `path` and `query` are the request URL's, split once by the caller.
   */
  serve(
    req: Request,
    name: string | null,
    common: Common,
    path: string,
    query: string,
  ): Response | Promise<Response>;
  /** Apps or aliases changed in this process: forget what was resolved, in every listener. */
  invalidate(): void;
  close(): void;
  readonly cache: ContentCache;
  /** What the listener threads share with this one (http/listeners.ts). */
  readonly shared: HostingShared;
  /** Removes cached files no version uses (with `toBound`, also the oldest past the bound: at start). */
  pruneDisk(opts?: { toBound?: boolean }): { removed: number; bytes: number };
}

/** Counters in shared memory (`SharedArrayBuffer`), the same for every listener thread. */
export interface HostingShared {
  /** [0]: bumped on every `invalidate` (hosting/site.ts). */
  sites: Int32Array;
  /** [0]: KiB in the disk cache, [1]: prunes so far (hosting/disk-cache.ts). */
  disk: Int32Array;
}

export interface HostingOptions {
  /** Given to a listener thread: the counters of the main thread's hosting. */
  shared?: HostingShared;
  /** Large files sent from a disk cache beside the database (default: unless it is in memory). */
  disk?: boolean;
  /** What tells the site cache another process or node wrote (default: by engine, `changeSourceFor`). */
  changes?: ChangeSource;
}

const sharedCounters = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));

/**
 * The disk cache sits beside a SQLite file (`<db>-files/`); a database in
 * memory, or on PostgreSQL (no local file to sit beside), serves every file
 * from memory.
 */
function diskDirOf(store: AppData): string | null {
  const path = (store as { path?: unknown }).path;
  if (store.engine.dialect !== "sqlite" || typeof path !== "string") return null;
  return path === "" || path === ":memory:" ? null : diskCacheDir(path);
}

const NOT_FOUND_BYTES = new TextEncoder().encode(NOT_FOUND_HTML);

function redirect(common: Common, location: string, status = 301): Response {
  const headers = baseHeaders(common);
  headers.location = location;
  headers["content-length"] = "0";
  common.bytes = 0;
  return new Response(null, { status, headers });
}

/**
 * Decodes a request path and refuses what can only be an attack or a broken
 * client: NUL or control characters, backslashes, `.`/`..` or empty segments
 * (also when percent-encoded).
 */
function decodePath(raw: string): string {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    throw new FaztError("BAD_REQUEST", "the path is not valid percent-encoding");
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(path))
    throw new FaztError("BAD_REQUEST", "the path has forbidden characters");
  const inner = path.endsWith("/") ? path.slice(1, -1) : path.slice(1);
  if (inner !== "" && inner.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new FaztError("BAD_REQUEST", "the path has empty, '.' or '..' segments");
  }
  return path;
}

const hasExtension = (path: string) => /\.[^/]+$/.test(path);

/** A raw path without its trailing slash (which may arrive encoded as `%2F`). */
const withoutSlash = (rawPath: string) =>
  rawPath.endsWith("/") ? rawPath.slice(0, -1) : rawPath.slice(0, -3);

/** A redirect target with the request's query kept: before its `#fragment`; a target with a query of its own keeps that one. */
function withQuery(target: string, query: string): string {
  if (!query) return target;
  const hash = target.indexOf("#");
  const base = hash < 0 ? target : target.slice(0, hash);
  if (base.includes("?")) return target;
  return hash < 0 ? `${target}${query}` : `${base}${query}${target.slice(hash)}`;
}
const isApiPath = (path: string) => path === "/api" || path.startsWith("/api/");
const isPrivatePath = (path: string) => path === "/private" || path.startsWith("/private/");

/**
 * `changes`: what tells the site cache that other writers changed the
 * database (site.ts `changeSourceFor` by default: SQLite's data_version; on
 * PostgreSQL a `Generation` that the node's notification listener bumps).
 */
export function createHosting(
  store: AppData,
  config: Pick<Config, "cacheBytes">,
  userOf: UserOf = () => null,
  api?: ApiHandler,
  opts: HostingOptions = {},
): Hosting {
  const shared = opts.shared ?? { sites: sharedCounters(1), disk: sharedCounters(2) };
  const sites = new SiteCache(store, shared.sites, opts.changes);
  const cache = new ContentCache(config.cacheBytes);
  const diskDir = (opts.disk ?? true) ? diskDirOf(store) : null;
  const reader = new ContentReader(store, cache, diskDir ? new DiskCache(diskDir, shared.disk) : null);

  /** The 404 app's page with status 404 (or a built-in one if it was never seeded). */
  function instanceNotFound(req: Request, common: Common): Response {
    const site = sites.get("404");
    const file = site?.kind === "app" ? site.files.get("index.html") : undefined;
    if (file) return fileResponse(req, file, reader, { status: 404, common });
    common.bytes = NOT_FOUND_BYTES.byteLength;
    return new Response(req.method === "HEAD" ? null : NOT_FOUND_BYTES, {
      status: 404,
      headers: {
        ...baseHeaders(common),
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
      },
    });
  }

  function serveFile(
    req: Request,
    site: AppSite,
    common: Common,
    path: string,
    file: SiteFile,
    status = 200,
  ): Response {
    const extra = site.headers ? headersFor(site.headers, path) : undefined;
    return fileResponse(req, file, reader, { status, extra, common });
  }

  /** The app's own 404.html, else the 404 app's page; status 404 either way. */
  function notFound(req: Request, site: AppSite, common: Common, path: string): Response {
    const own404 = site.files.get("404.html");
    if (own404) return serveFile(req, site, common, path, own404, 404);
    return instanceNotFound(req, common);
  }

  /**
   * `/private` needs a signed-in user (any role). null lets the request on;
   * otherwise 401, or for a browser a redirect to sign in and back to `back`.
   */
  function privateGate(req: Request, common: Common, back: string): Response | null {
    if (userOf(req)) return null;
    if (prefersHtml(req.headers.get("accept"))) {
      return redirect(common, `/auth/login?redirect=${encodeURIComponent(back)}`, 302);
    }
    throw new FaztError("UNAUTHORIZED", "sign in to see this page");
  }

  function callApi(req: Request, site: AppSite, common: Common, rewritten?: RewrittenUrl): Promise<Response> {
    // Every method goes to the app's handler; without one, a JSON 404.
    if (!site.hasApi || !api) throw new FaztError("NOT_FOUND", "this app has no API");
    return api(req, site, common, rewritten);
  }

  /**
   * The target of a 200 (or 404) rule, served as if it had been requested:
   * hidden paths are not found, `/api` goes to the handler, `/private` passes
   * the gate, so a rule reaches nothing a direct request could not. Files
   * answer GET and HEAD only. null: nothing to serve there (the caller goes on).
   */
  function rewrite(
    req: Request,
    site: AppSite,
    common: Common,
    target: string,
    status: 200 | 404,
    back: string,
    query: string,
  ): Response | Promise<Response> | null {
    const to = splitUrl(`x://x${target}`);
    if (isHiddenPath(to.path)) return notFound(req, site, common, to.path);
    if (isApiPath(to.path)) return callApi(req, site, common, { path: to.path, query: to.query || query });
    if (req.method !== "GET" && req.method !== "HEAD") return null;
    if (isPrivatePath(to.path)) {
      const gate = privateGate(req, common, back);
      if (gate) return gate;
    }
    // Served in place, never redirected: the address bar keeps the requested URL.
    const file = filePage(site.files, to.path);
    return file ? serveFile(req, site, common, to.path, file, status) : null;
  }

  /** A `_redirects` rule: a redirect, a 200 rewrite or a 404 page (null: its target has nothing). */
  function applyRule(
    req: Request,
    site: AppSite,
    common: Common,
    found: { rule: CompiledRedirect; target: string },
    rawPath: string,
    query: string,
  ): Response | Promise<Response> | null {
    const { status } = found.rule;
    if (status === 200 || status === 404) {
      return rewrite(req, site, common, found.target, status, rawPath + query, query);
    }
    return redirect(common, withQuery(found.target, query), status);
  }

  /**
   * A method other than GET/HEAD outside `/api`: only a 200 rule to the
   * handler answers it (a form posting to `/hello`, rewritten to
   * `/api/hello`); any other path is static, 405.
   */
  function otherMethod(
    req: Request,
    site: AppSite,
    common: Common,
    path: string,
    rawPath: string,
    query: string,
  ): Response | Promise<Response> {
    if (site.redirects) {
      const found =
        findRedirect(site.redirects, path, true) ??
        (requestedFile(site.files, path) ? null : findRedirect(site.redirects, path, false));
      if (found?.rule.status === 200) {
        const res = applyRule(req, site, common, found, rawPath, query);
        if (res) return res;
      }
    }
    throw new FaztError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on a static path`, {
      headers: { allow: "GET, HEAD" },
    });
  }

  function serveSite(
    req: Request,
    site: AppSite,
    common: Common,
    rawPath: string,
    query: string,
  ): Response | Promise<Response> {
    const path = decodePath(rawPath);
    if (isHiddenPath(path)) {
      if (isApiPath(path)) throw new FaztError("NOT_FOUND", "nothing is served at this path");
      return notFound(req, site, common, path);
    }
    if (isApiPath(path)) return callApi(req, site, common);
    if (req.method !== "GET" && req.method !== "HEAD")
      return otherMethod(req, site, common, path, rawPath, query);
    if (isPrivatePath(path)) {
      const gate = privateGate(req, common, rawPath + query);
      if (gate) return gate;
    }
    if (site.redirects) {
      const forced = findRedirect(site.redirects, path, true);
      if (forced) {
        const res = applyRule(req, site, common, forced, rawPath, query);
        if (res) return res;
      }
    }
    const file = requestedFile(site.files, path);
    if (file === ADD_SLASH) return redirect(common, `${rawPath}/${query}`);
    if (file === DROP_SLASH) return redirect(common, `${withoutSlash(rawPath)}${query}`);
    if (file) return serveFile(req, site, common, path, file);
    if (site.redirects) {
      const rule = findRedirect(site.redirects, path, false);
      if (rule) {
        const res = applyRule(req, site, common, rule, rawPath, query);
        if (res) return res;
      }
    }
    if (site.spa && !hasExtension(path)) {
      const index = site.files.get("index.html");
      if (index) return serveFile(req, site, common, "/", index);
    }
    return notFound(req, site, common, path);
  }

  // Live: a file of some version (kept versions and previews included).
  const live = (sha: string) =>
    store.engine.get("SELECT 1 AS one FROM version_files WHERE sha256 = ? LIMIT 1", [sha]) !== null;
  return {
    cache,
    shared,
    invalidate: () => sites.invalidate(),
    close: () => sites.close(),
    pruneDisk: (o = {}) =>
      diskDir ? pruneDiskCache(diskDir, shared.disk, live, o) : { removed: 0, bytes: 0 },
    serve(req, name, common, path, query) {
      const site = name === null ? null : sites.get(name);
      if (site === null) {
        if (req.method !== "GET" && req.method !== "HEAD") {
          throw new FaztError("NOT_FOUND", "nothing is served at this address");
        }
        return instanceNotFound(req, common);
      }
      if (site.kind === "redirect") return redirect(common, `${site.url.replace(/\/+$/, "")}${path}${query}`);
      if (site.kind === "reserved") return instanceNotFound(req, common);
      return serveSite(req, site, common, path, query);
    },
  };
}
