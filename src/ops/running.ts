/**
 * Where the server of a database listens, recorded in that database
 * (`running_servers`), so the CLI finds a `server start --port N` instead of
 * guessing from the stored config. A row is written when the server listens,
 * touched every HEARTBEAT_MS and deleted on a graceful stop; a crash leaves it
 * behind, so readers judge each row: a pid that no longer lives on this
 * machine, or a heartbeat older than STALE_MS, is stale and removed.
 */
import { hostname as machineName } from "node:os";
import { randomToken } from "../core/index.ts";
import type { EngineHolder } from "../db/index.ts";

export const HEARTBEAT_MS = 30_000;
/** Three missed heartbeats: the process is gone or hung, either way not to be talked to. */
export const STALE_MS = 3 * HEARTBEAT_MS;

export interface RunningServer {
  id: string;
  pid: number;
  /** The machine the server runs on. */
  hostname: string;
  /** The address it is bound to (`0.0.0.0`, `127.0.0.1`, `::`…). */
  listen: string;
  port: number;
  https: boolean;
  startedAt: number;
  seenAt: number;
}

interface Row {
  id: string;
  pid: number;
  hostname: string;
  listen: string;
  port: number;
  https: number;
  started_at: number;
  seen_at: number;
}

/** True when a process with this pid exists here (EPERM: it does, under another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why a row no longer describes a live server, or null when it does. */
export function staleReason(row: RunningServer, now = Date.now()): string | null {
  if (row.hostname === machineName() && !pidAlive(row.pid)) return `process ${row.pid} has exited`;
  if (now - row.seenAt > STALE_MS) return `no heartbeat for ${Math.round((now - row.seenAt) / 1000)} s`;
  return null;
}

const fromRow = (r: Row): RunningServer => ({
  id: r.id,
  pid: r.pid,
  hostname: r.hostname,
  listen: r.listen,
  port: r.port,
  https: r.https === 1,
  startedAt: r.started_at,
  seenAt: r.seen_at,
});

/**
 * The live server of this database (the most recently started one if there
 * are several), after deleting the stale rows it finds. Null when none runs.
 */
export function findRunningServer(store: EngineHolder, now = Date.now()): RunningServer | null {
  const rows = store.engine
    .all<Row>(
      "SELECT id, pid, hostname, listen, port, https, started_at, seen_at FROM running_servers ORDER BY started_at DESC",
    )
    .map(fromRow);
  const live = rows.filter((r) => staleReason(r, now) === null);
  const stale = rows.filter((r) => !live.includes(r));
  if (stale.length > 0) {
    try {
      // Conditioned on seen_at: a heartbeat that landed meanwhile keeps its row.
      for (const r of stale)
        store.engine.run("DELETE FROM running_servers WHERE id = ? AND seen_at = ?", [r.id, r.seenAt]);
    } catch {
      // A database this process may only read (or a busy one): ignoring the rows is enough.
    }
  }
  return live[0] ?? null;
}

export interface ServerRecord {
  readonly id: string;
  /** Deletes the row and stops the heartbeat (a graceful stop). */
  clear(): void;
}

/**
 * Records a server that now listens on `port`; the heartbeat's timer does not
 * keep the process alive. Stale rows of crashed servers go at the same time.
 */
export function recordRunningServer(
  store: EngineHolder,
  where: { listen: string; port: number; https: boolean },
  now = Date.now(),
): ServerRecord {
  findRunningServer(store, now);
  const id = `srv_${randomToken(10)}`;
  const insert = () =>
    store.engine.run(
      `INSERT INTO running_servers (id, pid, hostname, listen, port, https, started_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
      [id, process.pid, machineName(), where.listen, where.port, where.https, now, Date.now()],
    );
  insert();
  const timer = setInterval(() => {
    try {
      const touched = store.engine.run("UPDATE running_servers SET seen_at = ? WHERE id = ?", [
        Date.now(),
        id,
      ]).changes;
      // Judged stale while this process was paused (a suspended laptop): put it back.
      if (touched === 0) insert();
    } catch {
      // A busy or closing database: the next beat tries again.
    }
  }, HEARTBEAT_MS);
  timer.unref();
  let cleared = false;
  return {
    id,
    clear() {
      if (cleared) return;
      cleared = true;
      clearInterval(timer);
      store.engine.run("DELETE FROM running_servers WHERE id = ?", [id]);
    },
  };
}

/**
 * The admin API's base URL for a server running on this machine: loopback
 * for a wildcard or loopback bind, else the bound address itself. HTTPS is
 * reached through the admin host name its certificate covers.
 */
export function localAdminUrl(
  server: Pick<RunningServer, "listen" | "port" | "https">,
  domain: string,
): string {
  if (server.https) {
    const host = domain === "localhost" ? "admin.localhost" : `admin.${domain}`;
    return `https://${host}${server.port === 443 ? "" : `:${server.port}`}`;
  }
  const any = ["0.0.0.0", "::", "", "127.0.0.1", "localhost"];
  let host = any.includes(server.listen) ? "127.0.0.1" : server.listen;
  if (host === "::1" || host.includes(":")) host = `[${host}]`;
  return `http://${host}:${server.port}`;
}
