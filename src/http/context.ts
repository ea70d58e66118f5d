import { readCookie } from "../auth/cookies.ts";
import { SESSION_COOKIE, sessionUser } from "../auth/sessions.ts";
import type { Logger } from "../core/log.ts";
import { type Config, type ConfigPatch, readConfig } from "../db/config.ts";
import type { Store } from "../db/open.ts";
import { createHosting, type Hosting } from "../hosting/serve.ts";

/** What the server's parts share: the database, the effective config, the log. */
export interface ServerContext {
  store: Store;
  /** The stored config with this run's command-line overrides on top. */
  config: Config;
  log: Logger;
  /** Serving apps; `hosting.invalidate()` after changing apps or aliases. */
  hosting: Hosting;
  startedAt: number;
  /** Re-reads the stored config (after a change through the API); overrides still win. */
  reloadConfig(): void;
}

export function createContext(store: Store, log: Logger, overrides: ConfigPatch = {}): ServerContext {
  const config = { ...readConfig(store), ...stripUndefined(overrides) };
  const ctx: ServerContext = {
    store,
    log,
    config,
    // The private gate (SPEC §6) admits any signed-in user.
    hosting: createHosting(store, config, (req) => {
      const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
      return token ? sessionUser(store, token) : null;
    }),
    startedAt: Date.now(),
    reloadConfig() {
      ctx.config = { ...readConfig(store), ...stripUndefined(overrides) };
    },
  };
  return ctx;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
