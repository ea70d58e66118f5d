import type { Logger } from "../core/index.ts";
import { FaztError } from "../core/index.ts";
import { type PoolSize, RuntimePool } from "./pool.ts";
import {
  type AppRef,
  type EventResults,
  IMPLEMENTED_EVENTS,
  type Limits,
  type RequestEvent,
  type RuntimeEvent,
} from "./wire.ts";

/** Event types defined in wire.ts whose running is still to come. */
const PLANNED = new Set<string>(["socket", "cron", "job"] satisfies RuntimeEvent["type"][]);

export interface RuntimeOptions {
  /** The database the workers open, each with its own connection: a SQLite file path or a postgres:// URL. */
  dbPath: string;
  log: Logger;
  /** Read per invocation, so a config change applies to the next one. */
  limits(): Limits;
  /** Workers: by default the cores (1–4) plus two spares (pool.ts). */
  size?: PoolSize;
}

/** App code, run for events: the one way in for HTTP requests now, and for sockets, cron and jobs later. */
export interface Runtime {
  /**
   * Runs `event` in `app`'s code and answers with what the app answered —
   * its failures included (504 TIMEOUT, 500 HANDLER_ERROR…, built by
   * failure.ts). Rejects with a FaztError only when the runtime itself
   * cannot run it: an event type it does not know, the server stopping, too
   * many requests waiting for the app. `signal`: the client went away; a
   * request still waiting for a worker is dropped (read only if the request
   * waits: it may be a getter).
   */
  invoke<E extends RuntimeEvent>(
    app: AppRef,
    event: E,
    opts?: { signal?: AbortSignal },
  ): Promise<EventResults[E["type"]]>;
  /** Workers, spares, requests running and waiting. */
  stats(): ReturnType<RuntimePool["stats"]>;
  close(): void;
}

export function createRuntime(options: RuntimeOptions): Runtime {
  const pool = new RuntimePool(options.dbPath, options.log, options.size);
  return {
    invoke<E extends RuntimeEvent>(app: AppRef, event: E, opts?: { signal?: AbortSignal }) {
      const type = (event as { type?: unknown } | null)?.type;
      if (typeof type !== "string" || !IMPLEMENTED_EVENTS.has(type)) {
        const why =
          typeof type !== "string"
            ? "an event without a type"
            : PLANNED.has(type)
              ? `"${type}" events yet`
              : `events of the unknown type "${type}"`;
        return Promise.reject(new FaztError("INTERNAL", `the app runtime cannot run ${why}`));
      }
      // Only "request" is implemented: its result is the wire response.
      const res = pool.run(app, event as RequestEvent, options.limits(), opts);
      return res as Promise<EventResults[E["type"]]>;
    },
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
