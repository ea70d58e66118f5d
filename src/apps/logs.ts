/**
 * An app's log (`console.*` in app code, `fazt app logs`): lines in the
 * `app_logs` table, read back by id, trimmed by age and count, and announced
 * to in-process subscribers (the SSE stream) the moment they are written.
 */
import type { AppData } from "./blobs.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface LogLine {
  id: number;
  level: LogLevel;
  message: string;
  requestId: string | null;
  createdAt: number;
}

/** A message longer than this (UTF-8 bytes) is cut, ending in "…". */
export const MAX_LOG_MESSAGE_BYTES = 8 * 1024;
export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LOG_LIMIT = 1000;
export const DEFAULT_LOG_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_LOG_MAX_ROWS = 10_000;

/** Every this many lines an app writes (in this process), its row cap is enforced at once. */
const CAP_EVERY = 500;

const encoder = new TextEncoder();

/** Cuts `message` to at most MAX_LOG_MESSAGE_BYTES of UTF-8 without splitting a character. */
export function truncateMessage(message: string): string {
  // Fast path: even at 3 bytes per UTF-16 unit it fits.
  if (message.length * 3 <= MAX_LOG_MESSAGE_BYTES) return message;
  const bytes = encoder.encode(message);
  if (bytes.byteLength <= MAX_LOG_MESSAGE_BYTES) return message;
  const budget = MAX_LOG_MESSAGE_BYTES - 3; // "…" is 3 bytes
  let end = budget;
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${new TextDecoder().decode(bytes.subarray(0, end))}…`;
}

type Listener = (line: LogLine) => void;
interface Subscriber {
  listener: Listener;
  wake: (() => void) | undefined;
}
const subscribers = new Map<string, Set<Subscriber>>();
const appendCounts = new Map<string, number>();

/**
 * Calls `listener` with every line `appendLog` writes for `appId` in this
 * thread. Lines written elsewhere (another process, a worker thread) are not
 * seen: poll by id for those, and pass `wake` to be told at once when the
 * writer calls `announceLogs`. Returns the function that unsubscribes.
 */
export function subscribeLogs(appId: string, listener: Listener, wake?: () => void): () => void {
  let set = subscribers.get(appId);
  if (!set) {
    set = new Set();
    subscribers.set(appId, set);
  }
  const sub: Subscriber = { listener, wake };
  set.add(sub);
  return () => {
    const current = subscribers.get(appId);
    if (!current) return;
    current.delete(sub);
    if (current.size === 0) subscribers.delete(appId);
  };
}

/**
 * Says that lines for `appId` were written outside this thread (e.g. by a
 * worker, whose own `appendLog` notifies only its own thread): subscribers
 * that passed `wake` re-read the log now instead of at their next poll.
 */
export function announceLogs(appId: string): void {
  const set = subscribers.get(appId);
  if (!set) return;
  for (const sub of [...set]) {
    try {
      sub.wake?.();
    } catch {
      // a broken subscriber must not fail the writer
    }
  }
}

/** How many subscriptions are open (all apps, or one): for tests and health checks. */
export function logSubscriberCount(appId?: string): number {
  if (appId !== undefined) return subscribers.get(appId)?.size ?? 0;
  let n = 0;
  for (const set of subscribers.values()) n += set.size;
  return n;
}

interface Row {
  id: number;
  level: LogLevel;
  message: string;
  request_id: string | null;
  created_at: number;
}

const toLine = (r: Row): LogLine => ({
  id: r.id,
  level: r.level,
  message: r.message,
  requestId: r.request_id,
  createdAt: r.created_at,
});

/** Writes one line to the app's log and tells this process's subscribers. */
export function appendLog(
  store: AppData,
  appId: string,
  entry: { level: LogLevel; message: string; requestId?: string | null | undefined },
  now = Date.now(),
): LogLine {
  const level: LogLevel = LOG_LEVELS.includes(entry.level) ? entry.level : "info";
  const message = truncateMessage(String(entry.message));
  const requestId = entry.requestId ?? null;
  const row = store.engine.get<{ id: number }>(
    "INSERT INTO app_logs (app_id, level, message, request_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    [appId, level, message, requestId, now],
  )!;
  const line: LogLine = { id: row.id, level, message, requestId, createdAt: now };

  // A chatty app cannot grow its log without bound between two hourly trims.
  const count = (appendCounts.get(appId) ?? 0) + 1;
  if (count >= CAP_EVERY) {
    appendCounts.delete(appId);
    capApp(store, appId, DEFAULT_LOG_MAX_ROWS);
  } else {
    appendCounts.set(appId, count);
  }

  const set = subscribers.get(appId);
  if (set) {
    for (const { listener } of [...set]) {
      try {
        listener(line);
      } catch {
        // A broken subscriber must not fail the app's console.log.
      }
    }
  }
  return line;
}

/**
 * The app's log, oldest first. Without `afterId`: the last `limit` lines.
 * With `afterId`: the first `limit` lines after that id (so a reader paging
 * or polling forward never skips one).
 */
export function readLogs(
  store: AppData,
  appId: string,
  opts: { limit?: number | undefined; afterId?: number | undefined } = {},
): LogLine[] {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_LOG_LIMIT), 1), MAX_LOG_LIMIT);
  if (opts.afterId !== undefined) {
    return store.engine
      .all<Row>(
        "SELECT id, level, message, request_id, created_at FROM app_logs WHERE app_id = ? AND id > ? ORDER BY id LIMIT ?",
        [appId, opts.afterId, limit],
      )
      .map(toLine);
  }
  return store.engine
    .all<Row>(
      "SELECT id, level, message, request_id, created_at FROM app_logs WHERE app_id = ? ORDER BY id DESC LIMIT ?",
      [appId, limit],
    )
    .reverse()
    .map(toLine);
}

/** Keeps the newest `max` lines of one app. */
function capApp(store: AppData, appId: string, max: number): number {
  const cut = store.engine.get<{ id: number }>(
    "SELECT id FROM app_logs WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
    [appId, max],
  );
  if (!cut) return 0;
  return store.engine.run("DELETE FROM app_logs WHERE app_id = ? AND id <= ?", [appId, cut.id]).changes;
}

/**
 * Deletes lines older than `maxAgeMs` and, per app, all but the newest
 * `maxRowsPerApp`. Returns how many lines went. Meant to run hourly.
 */
export function trimLogs(
  store: AppData,
  opts: { maxAgeMs?: number; maxRowsPerApp?: number; now?: number } = {},
): number {
  const maxAge = opts.maxAgeMs ?? DEFAULT_LOG_MAX_AGE_MS;
  const maxRows = opts.maxRowsPerApp ?? DEFAULT_LOG_MAX_ROWS;
  const now = opts.now ?? Date.now();
  const db = store.engine;
  let removed = db.run("DELETE FROM app_logs WHERE created_at < ?", [now - maxAge]).changes;
  const over = db.all<{ app_id: string }>("SELECT app_id FROM app_logs GROUP BY app_id HAVING count(*) > ?", [
    maxRows,
  ]);
  for (const { app_id } of over) removed += capApp(store, app_id, maxRows);
  return removed;
}
