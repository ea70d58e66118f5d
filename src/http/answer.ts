import type { Server } from "bun";
import { FaztError, type Logger, splitUrl, VERSION } from "../core/index.ts";
import type { Config } from "../db/index.ts";
import { type Common, HandOff, type Hosting } from "../hosting/index.ts";
import { errorResponse, json } from "./envelope.ts";
import { routeHostCached } from "./host-routing.ts";
import { logRequest } from "./request/access-log.ts";
import { requestIdOf } from "./request/request-id.ts";
import { applySecurityHeaders } from "./request/security-headers.ts";

export type Handler = (req: Request, server: Server<undefined>) => Response | Promise<Response>;

/** What answering needs of the server; a listener thread has these and nothing else. */
export interface AnswerContext {
  config: Pick<Config, "domain" | "https" | "accessLog">;
  hosting: Hosting;
  log: Logger;
  /** Written into each request-log line by a listener thread (http/listeners.ts); the main thread has none. */
  listener?: number;
}

/** What a request is, once its host and path are known. */
export interface RequestInfo {
  requestId: string;
  startedAt: number;
  host: string | null;
  path: string;
  query: string;
  /** Adds the common headers and writes the log line (for responses built without them). */
  done(res: Response): Response;
}

/**
 * Where the requests go that the hosting of this thread does not answer:
 * `admin` (the admin host), `auth` (`/auth` on any host), `preview`
 * (`vN--NAME` hosts), `hosting` (the hosting said `HandOff`: a session or
 * app code is needed). The main thread runs the admin and `/auth` apps
 * (handler.ts); a listener thread hands all of them to the main thread.
 */
export type Elsewhere = (
  req: Request,
  server: Server<undefined>,
  what: "admin" | "auth" | "preview" | "hosting",
  info: RequestInfo,
  target: { app: string; seq: number } | null,
) => Response | Promise<Response>;

const isAuthPath = (path: string) => path === "/auth" || path.startsWith("/auth/");

/**
 * The one entry point for every request: pick the target by Host (host-routing.ts),
 * answer, then add the headers and the log line every response gets.
 * - App hosts take a direct, synchronous path that builds each response with
 *   all its headers at once: static serving is the hot path.
 * - `/health` is answered here; the rest goes `elsewhere`.
 */
export function createAnswer(ctx: AnswerContext, elsewhere: Elsewhere): Handler {
  const finish = (
    req: Request,
    res: Response,
    server: Server<undefined>,
    meta: {
      requestId: string;
      startedAt: number;
      host: string | null;
      path: string;
      complete: boolean;
      bytes?: number | null;
    },
  ): Response => {
    if (!meta.complete) {
      res.headers.set("x-request-id", meta.requestId);
      applySecurityHeaders(res.headers, ctx.config.https);
    }
    // The client address costs a native call per request: logged where it matters
    // (the admin host and failures), not for every static file served.
    const ip = !meta.complete || res.status >= 400 ? server.requestIP(req)?.address : undefined;
    let bytes = meta.bytes;
    if (bytes === undefined || bytes === null) {
      const length = res.headers.get("content-length");
      bytes = length === null ? null : Number(length);
    }
    logRequest(ctx, req.method, meta.path, res.status, bytes, meta.requestId, meta.startedAt, meta.host, ip);
    return res;
  };

  const fail = (err: unknown, requestId: string) => failure(ctx.log, err, requestId);

  return (req, server) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    const host = req.headers.get("host");
    // Split once: the log, the routing below and the hosting all use it.
    const { path, query } = splitUrl(req.url);
    const done = (res: Response) =>
      finish(req, res, server, { requestId, startedAt, host, path, complete: false });
    const info: RequestInfo = { requestId, startedAt, host, path, query, done };
    try {
      const target = routeHostCached(host, ctx.config.domain);
      if (isAuthPath(path)) return elsewhere(req, server, "auth", info, null);
      if (target.kind === "preview") return elsewhere(req, server, "preview", info, target);
      if (target.kind !== "admin") {
        const common: Common = { requestId, https: ctx.config.https, bytes: null };
        let res: Response | Promise<Response>;
        try {
          res = ctx.hosting.serve(req, target.kind === "app" ? target.name : null, common, path, query);
        } catch (err) {
          if (err instanceof HandOff) return elsewhere(req, server, "hosting", info, null);
          throw err;
        }
        if (res instanceof Promise) {
          // App code (`/api/*`): its response already carries the common headers.
          const meta = { requestId, startedAt, host, path, complete: true };
          return res.then(
            (r) => finish(req, r, server, meta),
            (err: unknown) => done(fail(err, requestId)),
          );
        }
        return finish(req, res, server, {
          requestId,
          startedAt,
          host,
          path,
          complete: true,
          bytes: common.bytes,
        });
      }
      // Public and minimal, for load balancers and `fazt server status`.
      if (path === "/health" && (req.method === "GET" || req.method === "HEAD")) {
        return done(json({ status: "ok", version: VERSION }));
      }
      return elsewhere(req, server, "admin", info, null);
    } catch (err) {
      return done(fail(err, requestId));
    }
  };
}

/** The error answer for `err`; anything but a `FaztError` is logged as a bug first. */
export function failure(log: Logger, err: unknown, requestId: string): Response {
  if (!(err instanceof FaztError)) {
    log.error("unhandled error", { requestId, error: String(err), stack: (err as Error).stack });
  }
  return errorResponse(err, requestId);
}
