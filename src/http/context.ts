import { readCookie, SESSION_COOKIE, sessionUser } from "../auth/index.ts";
import type { Logger } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { type Config, type ConfigPatch, dataVersionProbe, readConfig } from "../db/index.ts";
import { baseHeaders, createHosting, type Hosting } from "../hosting/index.ts";
import type { Runtime } from "../runtime/index.ts";

/** What the server's parts share: the database, the effective config, the log. */
export interface ServerContext {
  store: Store;
  /** The stored config with this run's command-line overrides on top. */
  config: Config;
  log: Logger;
  /** Serving apps; `hosting.invalidate()` after changing apps or aliases. */
  hosting: Hosting;
  /** Stops the app-code workers, if any were started. */
  closeRuntime(): void;
  /**
   * Run before a graceful stop begins, by parts loaded on demand that hold
   * long-lived requests (log streams) or timers (the access-log follower):
   * the server need not import them to stop.
   */
  beforeStop: Array<() => void>;
  startedAt: number;
  /** Re-reads the stored config (after a change through the API); overrides still win. */
  reloadConfig(): void;
  /** Told each time `config` is replaced (the listener threads follow it: http/listeners.ts). */
  configChanged: Array<(config: Config) => void>;
  /** [https] Set when serving HTTPS: told when aliases change so a certificate covers them. */
  httpsManager?: { namesChanged(): void };
}

export function createContext(store: Store, log: Logger, overrides: ConfigPatch = {}): ServerContext {
  const config = { ...readConfig(store), ...stripUndefined(overrides) };
  const userOf = (req: Request) => {
    const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
    return token ? sessionUser(store, token) : null;
  };
  // The runtime (workers, QuickJS) is loaded on the first API request, never at start-up.
  let loaded: Promise<{ runtime: Runtime; runApi: typeof import("../runtime/index.ts").runApi }> | undefined;
  const runtime = () =>
    (loaded ??= import("../runtime/index.ts").then((m) => ({
      runApi: m.runApi,
      runtime: m.createRuntime({
        dbPath: store.path,
        log,
        // Read per request, so a config change applies to the next one.
        limits: () => ({
          timeoutMs: ctx.config.appTimeoutMs,
          memoryBytes: ctx.config.appMemoryBytes,
          stackBytes: 256 * 1024,
          development: ctx.config.env === "development",
        }),
      }),
    })));
  const ctx: ServerContext = {
    store,
    log,
    config,
    // The private/ gate admits any signed-in user.
    hosting: createHosting(store, config, userOf, async (req, site, common, rewritten) => {
      const { runtime: rt, runApi } = await runtime();
      const app = { id: site.appId, name: site.appName, versionId: site.versionId };
      const limits = {
        maxBodyBytes: ctx.config.maxBodyBytes,
        maxMultipartBytes: ctx.config.appMultipartBytes,
      };
      return runApi(rt, req, app, userOf(req), baseHeaders(common), limits, { store, rewritten });
    }),
    closeRuntime() {
      void loaded?.then((m) => m.runtime.close());
    },
    beforeStop: [],
    startedAt: Date.now(),
    reloadConfig() {
      ctx.config = { ...readConfig(store), ...stripUndefined(overrides) };
      for (const hook of ctx.configChanged) hook(ctx.config);
    },
    configChanged: [],
  };
  followAccessLog(ctx, () => ({ ...readConfig(store), ...stripUndefined(overrides) }).accessLog);
  return ctx;
}

/**
 * `server set-config --access-log` writes the database from another process:
 * checked once a second (only when the database changed, which SQLite's
 * `data_version` tells cheaply), so a running server follows within a second.
 * Other keys changed that way still wait for the next start.
 */
function followAccessLog(ctx: ServerContext, stored: () => Config["accessLog"]): void {
  const otherWrote = dataVersionProbe(ctx.store);
  const timer = setInterval(() => {
    try {
      if (!otherWrote()) return;
      const accessLog = stored();
      if (accessLog === ctx.config.accessLog) return;
      ctx.config = { ...ctx.config, accessLog };
      for (const hook of ctx.configChanged) hook(ctx.config);
    } catch {
      // the database was closed: nothing left to follow
      clearInterval(timer);
    }
  }, 1000);
  timer.unref?.();
  ctx.beforeStop.push(() => clearInterval(timer));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
