import type { Changes } from "../db/index.ts";
import type { ServerContext } from "./context.ts";

/**
 * Points the server's caches at the change channel (src/db/notify.ts), so a
 * change made on another node — or by another process — reaches this one:
 * the site index drops on activation, rollback and alias changes, HTTPS
 * covers a new alias, and the stored config is re-read. Sessions, keys and
 * env are read from the database on each use: nothing of theirs is cached.
 */
export function followChanges(ctx: ServerContext, changes: Changes): () => void {
  const postgres = ctx.store.engine.dialect === "postgres";
  const sites = () => ctx.hosting.invalidate();
  const offs = [
    changes.subscribe("activation", sites),
    changes.subscribe("rollback", sites),
    changes.subscribe("alias", (c) => {
      sites();
      // On SQLite `stale` only means another connection committed something (every kv write of app
      // code): not worth a certificate check. On PostgreSQL it follows a reconnect, which is rare.
      if (!c.stale || postgres) ctx.httpsManager?.namesChanged();
    }),
    // On SQLite another process's config change waits for the next start, except the access log
    // (context.ts `followAccessLog`); a node of a PostgreSQL cluster follows them all.
    changes.subscribe("config", (c) => {
      if (!c.stale || postgres) ctx.reloadConfig();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
