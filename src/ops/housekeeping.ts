import { sweepSessions } from "../auth/sessions.ts";
import type { Logger } from "../core/log.ts";
import type { Store } from "../db/open.ts";
import { trimLogs } from "../runtime/logs.ts";

const HOUR = 60 * 60 * 1000;

/** One pass: expired sessions, OAuth states, deploy sessions, old app logs and stale sign-in counters go. */
export function sweep(store: Store, now = Date.now()): Record<string, number> {
  const db = store.sqlite;
  return {
    sessions: sweepSessions(store, now),
    oauthStates: db.query("DELETE FROM oauth_states WHERE expires_at <= ?").run(now).changes,
    deploys: db.query("DELETE FROM deploys WHERE expires_at <= ?").run(now).changes,
    logs: trimLogs(store, { now }),
    loginAttempts: db
      .query("DELETE FROM login_attempts WHERE window_start <= ?1 AND coalesce(locked_until, 0) <= ?2")
      .run(now - HOUR, now).changes,
  };
}

/** Sweeps at start and then hourly while the server runs; returns the function that stops it. */
export function startHousekeeping(store: Store, log: Logger): () => void {
  const run = () => {
    try {
      const removed = sweep(store);
      if (Object.values(removed).some((n) => n > 0)) log.info("housekeeping", removed);
    } catch (err) {
      log.warn("housekeeping failed", { error: String(err) });
    }
  };
  run();
  const timer = setInterval(run, HOUR);
  timer.unref?.();
  return () => clearInterval(timer);
}
