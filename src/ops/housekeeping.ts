import { sweepSessions } from "../auth/index.ts";
import type { Logger } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { readConfig, withSingleNode } from "../db/index.ts";

const HOUR = 60 * 60 * 1000;

/**
 * One pass: expired sessions, OAuth states, deploy sessions, old app logs and
 * stale sign-in counters go; the daily snapshot is taken when it is due.
 */
export async function sweep(store: Store, now = Date.now()): Promise<Record<string, number>> {
  // Loaded here, not at the top: the server's start-up does not need them.
  const [{ trimLogs }, { sweepExpiredKv }, { autoSnapshot }] = await Promise.all([
    import("../apps/index.ts"),
    import("../storage/index.ts"),
    import("./backups.ts"),
  ]);
  const db = store.engine;
  const removed = {
    sessions: sweepSessions(store, now),
    oauthStates: db.run("DELETE FROM oauth_states WHERE expires_at <= ?", [now]).changes,
    deploys: db.run("DELETE FROM deploys WHERE expires_at <= ?", [now]).changes,
    logs: trimLogs(store, { now }),
    kv: sweepExpiredKv(store, now),
    loginAttempts: db.run(
      "DELETE FROM login_attempts WHERE window_start <= ? AND coalesce(locked_until, 0) <= ?",
      [now - HOUR, now],
    ).changes,
  };
  // Last, so a failing snapshot (a full disk) cannot stop the sweeps above; it is logged as a failed pass.
  const snapshot = autoSnapshot(store, readConfig(store).backupKeep, now);
  return { ...removed, backups: snapshot.created ? 1 : 0, backupsPruned: snapshot.pruned.length };
}

/**
 * One scheduled pass. With several nodes on one PostgreSQL database one node
 * sweeps at a time (`withSingleNode`); the others skip that pass. Never throws:
 * a failure is logged.
 */
export function housekeepingPass(store: Store, log: Logger): Promise<void> {
  return withSingleNode(store.engine, "housekeeping", () => sweep(store)).then(
    (pass) => {
      if (!pass.ran) return log.log("debug", "housekeeping: another node is sweeping");
      if (Object.values(pass.value).some((n) => n > 0)) log.info("housekeeping", pass.value);
    },
    (err: unknown) => log.warn("housekeeping failed", { error: String(err) }),
  );
}

/** Sweeps at start and then hourly while the server runs; returns the function that stops it. */
export function startHousekeeping(store: Store, log: Logger): () => void {
  const run = () => housekeepingPass(store, log);
  // The first pass waits a moment: start-up and the first requests come first.
  const first = setTimeout(run, 2000);
  first.unref?.();
  const timer = setInterval(run, HOUR);
  timer.unref?.();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
