/**
 * One channel telling every node (and every process on a SQLite file) that
 * something it may have cached changed: `publish(topic, payload)` after the
 * write commits, `subscribe(topic, fn)` where a cache lives.
 *
 * - In this process a publish reaches its subscribers at once, on both engines.
 * - PostgreSQL: the publish is a `pg_notify` on the writer's connection; every
 *   node hears it on a dedicated `LISTEN` connection (notify-pg.ts). Triggers
 *   also publish from inside the database when the tables behind the caches
 *   change (notify-pg.ts `TABLE_TOPICS`), whoever wrote them. When that
 *   connection drops and comes back, notifications may have been missed in
 *   between: every subscriber is then told `stale` (drop everything).
 * - SQLite: other processes (a CLI command, a runtime worker's connection)
 *   cannot say what they changed; `PRAGMA data_version` moves when another
 *   connection commits, and it is read every 250 ms: a move tells every
 *   subscriber `stale`.
 *
 * See docs/operations.md, "More than one machine".
 */
import { FaztError } from "../core/index.ts";
import type { Engine } from "./engine/index.ts";

export const TOPICS = [
  "activation",
  "rollback",
  "alias",
  "env",
  "key",
  "session",
  "config",
  "certificate",
] as const;
export type Topic = (typeof TOPICS)[number];

/** What a subscriber is told: a topic's payload, or `stale` (anything may have changed; payload undefined). */
export interface Change {
  topic: Topic;
  payload: unknown;
  stale: boolean;
}

export interface Changes {
  /** Tells every subscriber, here and on the other nodes. Call it after the change committed. */
  publish(topic: Topic, payload?: unknown): void;
  /** Returns the unsubscribe function. */
  subscribe(topic: Topic, fn: (change: Change) => void): () => void;
  close(): Promise<void>;
}

/** The PostgreSQL channel name (one for all topics: one LISTEN per node). */
export const CHANNEL = "fazt_changes";
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const MAX_MESSAGE_BYTES = 7900;
/** How often a SQLite node looks at `data_version`: what "within a second" rests on. */
const SQLITE_POLL_MS = 250;

interface Message {
  topic: Topic;
  payload: unknown;
  /** The publishing process, so it does not hear its own publish twice. */
  from: string;
}

const isTopic = (t: unknown): t is Topic =>
  typeof t === "string" && (TOPICS as readonly string[]).includes(t);

/** The part both engines share: subscribers by topic, and delivery that one failing listener cannot stop. */
class Subscribers {
  readonly #byTopic = new Map<Topic, Set<(change: Change) => void>>();
  constructor(readonly onError: (e: unknown) => void) {}

  add(topic: Topic, fn: (change: Change) => void): () => void {
    if (!isTopic(topic))
      throw new FaztError("VALIDATION_FAILED", `unknown change topic ${JSON.stringify(topic)}`);
    const set = this.#byTopic.get(topic) ?? new Set();
    this.#byTopic.set(topic, set);
    set.add(fn);
    return () => set.delete(fn);
  }

  deliver(change: Change): void {
    for (const fn of this.#byTopic.get(change.topic) ?? []) {
      try {
        fn(change);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  stale(): void {
    for (const topic of this.#byTopic.keys()) this.deliver({ topic, payload: undefined, stale: true });
  }
}

export interface ChangesOptions {
  /** PostgreSQL: the URL with its password (the engine keeps only the redacted one). */
  url?: string;
  /** A subscriber that threw; the default writes to stderr. */
  onError?: (e: unknown) => void;
}

/**
 * Opens the channel for `engine`. On PostgreSQL it resolves once the node
 * listens (a publish made after that, anywhere, is heard).
 */
export async function openChanges(engine: Engine, opts: ChangesOptions = {}): Promise<Changes> {
  const subscribers = new Subscribers(
    opts.onError ?? ((e) => console.error(`fazt: a change listener failed: ${String(e)}`)),
  );
  const from = crypto.randomUUID();
  let stopListening: () => Promise<void>;
  if (engine.dialect === "postgres") {
    if (!opts.url) throw new FaztError("INTERNAL", "openChanges on PostgreSQL needs the database URL");
    const { installChangeTriggers, listenPostgres } = await import("./notify-pg.ts");
    installChangeTriggers(engine, CHANNEL);
    stopListening = await listenPostgres(opts.url, CHANNEL, {
      message(text) {
        const m = parseMessage(text);
        if (m && m.from !== from) subscribers.deliver({ topic: m.topic, payload: m.payload, stale: false });
      },
      reconnected: () => subscribers.stale(),
    });
  } else {
    stopListening = watchDataVersion(engine, () => subscribers.stale());
  }
  return {
    publish(topic, payload) {
      if (!isTopic(topic))
        throw new FaztError("VALIDATION_FAILED", `unknown change topic ${JSON.stringify(topic)}`);
      if (engine.dialect === "postgres") {
        const text = JSON.stringify({ topic, payload, from } satisfies Message);
        if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES)
          throw new FaztError(
            "VALIDATION_FAILED",
            `a change payload must stay under ${MAX_MESSAGE_BYTES} bytes`,
          );
        engine.get("SELECT pg_notify(?, ?) AS sent", [CHANNEL, text]);
      }
      subscribers.deliver({ topic, payload, stale: false });
    },
    subscribe: (topic, fn) => subscribers.add(topic, fn),
    close: () => stopListening(),
  };
}

function parseMessage(text: string): Message | null {
  try {
    const m = JSON.parse(text) as Partial<Message>;
    return isTopic(m.topic) && typeof m.from === "string" ? (m as Message) : null;
  } catch {
    return null; // not ours: someone else NOTIFYing on the channel
  }
}

/** SQLite: another connection's commit moves `data_version`; it cannot say what it changed. */
function watchDataVersion(engine: Engine, moved: () => void): () => Promise<void> {
  const read = () => engine.get<{ data_version: number }>("PRAGMA data_version")?.data_version ?? 0;
  let seen = read();
  const timer = setInterval(() => {
    try {
      const now = read();
      if (now === seen) return;
      seen = now;
      moved();
    } catch {
      clearInterval(timer); // the database was closed
    }
  }, SQLITE_POLL_MS);
  timer.unref?.();
  return async () => clearInterval(timer);
}
