import type { Server } from "bun";
import { FaztError } from "../core/index.ts";
import type { HttpsServeOptions, HttpsServing } from "../ops/index.ts"; // [https]
import { startHousekeeping } from "../ops/index.ts";
import { AdminUi } from "./admin/ui.ts";
import { closeGently } from "./close-gently.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./envelope.ts";
import { createHandler, type Handler } from "./handler.ts";
import { capInFlight } from "./in-flight.ts";
import { createListeners, type Listeners, listenerCount } from "./listeners.ts";
import { dropPrivateHeaders } from "./private-socket.ts";

export interface RunningServer {
  server: Server<undefined>;
  port: number;
  url: string;
  /** The listener threads beside the main one (http/listeners.ts); null when there are none. */
  listeners: Listeners | null;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A connection silent for this many seconds is closed (Bun's idle timeout).
 * While a body streams in, only reads of 16 KiB or more reset it, so a body
 * trickled in small pieces is cut too; headers have Bun's own ~10 s. See docs/limits.md.
 */
const IDLE_TIMEOUT_S = 30;
/** The outer cap, enforced by Bun itself: room above the deploy limit for multipart framing. */
const BODY_SLACK = 1024 * 1024;
const HOUR = 60 * 60 * 1000;

/** Immediate answers per `BUSY_CHECK_MS` that start the listener threads. */
const BUSY_REQUESTS = 200;
const BUSY_CHECK_MS = 500;

/**
 * The listener threads cost memory (about 12 MiB each): they start once the
 * main thread answers more than `BUSY_REQUESTS` requests at once (static
 * files and the like) in `BUSY_CHECK_MS`, and then stay. An idle server is
 * one thread; one busy with app code only stays one too, since a listener
 * would only hand app code's requests on (one more hop each).
 */
function startWhenBusy(listeners: Listeners, handled: () => number): () => void {
  let seen = handled();
  const timer = setInterval(() => {
    const now = handled();
    if (now - seen >= BUSY_REQUESTS) {
      clearInterval(timer);
      void listeners.start();
    }
    seen = now;
  }, BUSY_CHECK_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * Listening with `reusePort` would share the port with another fazt of the
 * same user instead of failing: a plain listen first finds the port taken.
 */
function refuseTakenPort(hostname: string, port: number): void {
  const probe = Bun.listen({ hostname, port, socket: { data() {} } });
  probe.stop(true);
}

export async function startServer(
  ctx: ServerContext,
  opts: { port: number; hostname?: string; https?: HttpsServeOptions }, // [https] `https`: ACME options
): Promise<RunningServer> {
  // The admin UI is read on its first request, not at start: start-up stays short.
  let ui: Promise<AdminUi> | undefined;
  const loadUi = () =>
    (ui ??= AdminUi.load().then((loaded) => {
      if (!loaded.built) ctx.log.warn("admin UI is not built: run `bun run build:ui`");
      return loaded;
    }));
  // The config is read per request: a change through the API applies to the next one.
  const capped = capInFlight(createHandler(ctx, loadUi), () => ctx.config, ctx.log);
  // A body cut with 413 is only ever found asynchronously: static answers skip the check.
  // Answers given at once (static files, redirects, 304s): what listener threads can take over.
  let immediate = 0;
  const handler: Handler = (req, srv) => {
    const res = capped(req, srv);
    if (res instanceof Promise) return res.then(closeGently);
    immediate++;
    return res;
  };
  // The public port: a client's copy of the private socket's headers never reaches the handler.
  const publicHandler: Handler = (req, srv) => {
    dropPrivateHeaders(req);
    return handler(req, srv);
  };
  let server: Server<undefined>;
  let https: HttpsServing | undefined; // [https]
  // Plain HTTP only: the TLS listener changes with its certificate (ops/https/serve.ts).
  const count = ctx.config.https && opts.https ? 1 : listenerCount(ctx.config.listeners);
  // Each listener keeps its own memory cache: the configured budget is shared out.
  ctx.hosting.cache.resize(Math.floor(ctx.config.cacheBytes / count));
  // At start nothing is being sent yet: the disk cache may be cut down to its bound.
  ctx.hosting.pruneDisk({ toBound: true });
  const hostname = opts.hostname ?? "0.0.0.0";
  const listen = {
    hostname,
    idleTimeout: IDLE_TIMEOUT_S,
    maxRequestBodySize: ctx.config.maxDeployBytes + BODY_SLACK,
    fetch: publicHandler,
    error: (err: Error) => {
      ctx.log.error("server error", { error: String(err) });
      return errorResponse(err);
    },
  };
  try {
    // [https] TLS with ACME certificates + port 80 (src/ops/https/serve.ts); loaded only when on.
    if (ctx.config.https && opts.https) {
      https = await (await import("../ops/index.ts")).startHttps(ctx, listen, opts.port, opts.https);
      ctx.httpsManager = https.manager;
    }
    if (!https && count > 1 && opts.port !== 0) refuseTakenPort(hostname, opts.port);
    server = https ? https.server : Bun.serve({ port: opts.port, ...listen, reusePort: count > 1 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE" || /in use/i.test(err.message)) {
      throw new FaztError(
        "PORT_IN_USE",
        `port ${opts.port} is already in use: is another fazt running? (use --port N)`,
      );
    }
    if (err.code === "EACCES") {
      throw new FaztError(
        "PORT_IN_USE",
        `not allowed to listen on port ${opts.port}: use a port above 1023 or run as a service`,
      );
    }
    throw e;
  }
  // After listening, so the sweep never delays the first request.
  const stopHousekeeping = startHousekeeping(ctx.store, ctx.log);
  const pruning = setInterval(() => ctx.hosting.pruneDisk(), HOUR);
  pruning.unref?.();
  const port = https ? https.port : (server.port ?? opts.port); // [https]
  const listeners =
    count > 1
      ? createListeners({
          count,
          dbPath: ctx.store.path,
          hostname,
          port,
          idleTimeout: IDLE_TIMEOUT_S,
          maxRequestBodySize: listen.maxRequestBodySize,
          cacheBytes: ctx.hosting.cache.budget,
          hosting: ctx.hosting,
          config: ctx.config,
          log: ctx.log,
          handler,
        })
      : null;
  if (listeners) ctx.configChanged.push((c) => listeners.configChanged(c));
  const stopWatching = listeners ? startWhenBusy(listeners, () => immediate) : () => {};
  let stopping: Promise<void> | undefined;
  return {
    listeners,
    get server() {
      return https ? https.server : server; // [https] the TLS listener changes with its certificate
    },
    port,
    url: `${https ? "https" : "http"}://${opts.hostname === "127.0.0.1" ? "127.0.0.1" : "localhost"}:${port}`, // [https]
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        // E.g. open log streams (SSE), which would hold the graceful stop for its whole grace period.
        for (const hook of ctx.beforeStop) hook();
        if (https)
          await https.stop(graceMs); // [https] both listeners, and any draining one
        else {
          const graceful = Promise.all([server.stop(false), listeners?.stop(graceMs)]);
          const timer = setTimeout(() => void server.stop(true), graceMs);
          await graceful;
          clearTimeout(timer);
        }
        ctx.hosting.close();
        ctx.closeRuntime();
        stopHousekeeping();
        clearInterval(pruning);
        stopWatching();
      })();
      return stopping;
    },
  };
}
