import { Hono } from "hono/quick";
import * as v from "valibot";
import {
  appIdOf,
  DEFAULT_LOG_LIMIT,
  ENV_KEY_PATTERN,
  ENV_KEY_RULE,
  listEnv,
  MAX_ENV_VALUE_BYTES,
  MAX_LOG_LIMIT,
  RESERVED_ENV_KEYS,
  readLogs,
  subscribeLogs,
  updateEnv,
} from "../../apps/index.ts";
import { parse } from "../../core/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

/** How often a stream polls for lines other processes wrote (this process's lines arrive at once). */
const POLL_MS = 1000;
/** A comment line this often keeps proxies and the client from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

const count = (max: number) => v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(max));
const logId = v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0));

const logsQuery = v.object({
  limit: v.optional(count(MAX_LOG_LIMIT), String(DEFAULT_LOG_LIMIT)),
  after: v.optional(logId),
});

const encoder = new TextEncoder();

const envKey = v.pipe(
  v.string(),
  v.check(
    (k) => ENV_KEY_PATTERN.test(k) && !RESERVED_ENV_KEYS.has(k),
    (issue) =>
      RESERVED_ENV_KEYS.has(String(issue.input))
        ? `env key "${String(issue.input)}" is reserved`
        : `env key "${String(issue.input)}" is not valid: use ${ENV_KEY_RULE} characters`,
  ),
);
const envValue = v.pipe(
  v.string(),
  v.check(
    (s) => encoder.encode(s).byteLength <= MAX_ENV_VALUE_BYTES,
    `must be at most ${MAX_ENV_VALUE_BYTES} bytes`,
  ),
);
/** valibot's record drops `__proto__`, `prototype` and `constructor` silently: refuse them first. */
const envSet = v.pipe(
  v.custom<Record<string, unknown>>(
    (x) => typeof x === "object" && x !== null && !Array.isArray(x),
    "must be an object of KEY: value",
  ),
  v.check(
    (o) => !Object.keys(o).some((k) => RESERVED_ENV_KEYS.has(k)),
    (issue) => {
      const key = Object.keys(issue.input as object).find((k) => RESERVED_ENV_KEYS.has(k));
      return `env key "${key}" is reserved`;
    },
  ),
  v.record(envKey, envValue),
);
const envBody = v.strictObject({
  set: v.optional(envSet),
  unset: v.optional(v.array(envKey)),
});

/** Open log streams, so a stopping server can end them instead of waiting for their clients. */
const openStreams = new Set<() => void>();

/** Ends every open log stream of this process (call before a graceful stop). */
function closeLogStreams(): void {
  for (const close of [...openStreams]) close();
}

/**
 * An app's log and environment (docs/admin-api.md). Admin only: each route
 * carries its own guard, so mounting this before `appRoutes` adds no check
 * to the other `/api/apps` routes.
 */
export function appRuntimeRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const admin = requireAuth(ctx, "admin");
  ctx.beforeStop.push(closeLogStreams);

  app.get("/:name/logs", admin, (c) => {
    const appId = appIdOf(ctx.store, c.req.param("name"));
    const q = parse(logsQuery, c.req.query(), "query");
    return ok(readLogs(ctx.store, appId, { limit: q.limit, afterId: q.after }));
  });

  app.get("/:name/logs/stream", admin, (c) => {
    const appId = appIdOf(ctx.store, c.req.param("name"));
    const q = parse(logsQuery, c.req.query(), "query");
    // EventSource sends the last id it saw when it reconnects: resume from there.
    const lastEventId = c.req.header("last-event-id");
    const resume =
      q.after ?? (lastEventId && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined);
    const signal = c.req.raw.signal;
    // The stream is long-lived by design: no idle timeout for this request.
    c.env?.server?.timeout(c.req.raw, 0);

    let closed = false;
    let cleanup = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let lastId = resume ?? 0;
        let pending = false;
        const send = (text: string) => {
          if (closed) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            cleanup();
          }
        };
        const sendLines = (lines: ReturnType<typeof readLogs>) => {
          for (const line of lines) {
            send(`id: ${line.id}\ndata: ${JSON.stringify(line)}\n\n`);
            lastId = line.id;
          }
        };
        // Reading by id from the database keeps lines in order whichever process wrote them.
        const flush = () => {
          pending = false;
          if (closed) return;
          try {
            for (;;) {
              const lines = readLogs(ctx.store, appId, { afterId: lastId, limit: MAX_LOG_LIMIT });
              sendLines(lines);
              if (lines.length < MAX_LOG_LIMIT || closed) break;
            }
          } catch (err) {
            ctx.log.warn("log stream read failed", { app: appId, error: String(err) });
          }
        };

        // Subscribe before the first read, so no line falls between the two.
        const soon = () => {
          if (pending) return;
          pending = true;
          queueMicrotask(flush);
        };
        const unsubscribe = subscribeLogs(appId, soon, soon);
        const poll = setInterval(flush, POLL_MS);
        const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
        cleanup = () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          clearInterval(poll);
          clearInterval(keepAlive);
          openStreams.delete(cleanup);
          signal.removeEventListener("abort", cleanup);
          try {
            controller.close();
          } catch {
            // already closed or errored by the client going away
          }
        };
        openStreams.add(cleanup);
        if (signal.aborted) {
          cleanup();
          return;
        }
        signal.addEventListener("abort", cleanup, { once: true });

        send("retry: 2000\n\n");
        if (resume === undefined) sendLines(readLogs(ctx.store, appId, { limit: q.limit }));
        flush();
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  });

  app.get("/:name/env", admin, (c) => ok(listEnv(ctx.store, appIdOf(ctx.store, c.req.param("name")))));

  app.put("/:name/env", admin, async (c) => {
    const appId = appIdOf(ctx.store, c.req.param("name"));
    const body = await readJson(c, envBody, ctx.config.maxBodyBytes);
    updateEnv(ctx.store, appId, { set: body.set, unset: body.unset });
    const changed = [...Object.keys(body.set ?? {}), ...(body.unset ?? [])];
    if (changed.length > 0) ctx.log.info("app env changed", { app: c.req.param("name"), keys: changed });
    return ok(listEnv(ctx.store, appId));
  });

  return app;
}
