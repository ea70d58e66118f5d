import type { Server } from "bun";
import type { Hono } from "hono";
import { FaztError, splitUrl, VERSION } from "../core/index.ts";
import type { AdminUi } from "./admin/ui.ts";
import type { ServerContext } from "./context.ts";
import type { RequestEnv } from "./env.ts";
import { errorResponse, json } from "./envelope.ts";
import { routeHostCached } from "./host-routing.ts";
import { servePreview } from "./preview.ts";
import { logRequest } from "./request/access-log.ts";
import { requestIdOf } from "./request/request-id.ts";
import { applySecurityHeaders } from "./request/security-headers.ts";

const isAuthPath = (path: string) => path === "/auth" || path.startsWith("/auth/");

export type Handler = (req: Request, server: Server<undefined>) => Response | Promise<Response>;

/**
 * The one entry point for every request: pick the target by Host (host-routing.ts),
 * answer, then add the headers and the log line every response gets.
 * - App hosts take a direct, synchronous path that builds each response with
 *   all its headers at once: static serving is the hot path.
 * - `/health` is answered here, and the Hono apps (admin API, `/auth/*` on
 *   every host) are loaded on their first request: start-up stays lean.
 */
export function createHandler(ctx: ServerContext, ui: () => Promise<AdminUi>): Handler {
  let admin: Promise<Hono<RequestEnv>> | undefined;
  let auth: Promise<Hono<RequestEnv>> | undefined;
  const adminApp = () => (admin ??= import("./admin/app.ts").then((m) => m.createAdminApp(ctx, ui)));
  const authApp = () => (auth ??= import("./auth/app.ts").then((m) => m.authApp(ctx)));

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

  const fail = (err: unknown, requestId: string): Response => {
    if (!(err instanceof FaztError)) {
      ctx.log.error("unhandled error", { requestId, error: String(err), stack: (err as Error).stack });
    }
    return errorResponse(err, requestId);
  };

  return (req, server) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    const host = req.headers.get("host");
    // Split once: the log, the routing below and the hosting all use it.
    const { path, query } = splitUrl(req.url);
    const done = (res: Response) =>
      finish(req, res, server, { requestId, startedAt, host, path, complete: false });
    const viaApp = (app: () => Promise<Hono<RequestEnv>>) =>
      app()
        .then((a) => a.fetch(req, { requestId, server }))
        .then(done, (err: unknown) => done(fail(err, requestId)));
    try {
      const target = routeHostCached(host, ctx.config.domain);
      if (isAuthPath(path)) return viaApp(authApp);
      if (target.kind === "preview") {
        const common = { requestId, https: ctx.config.https, bytes: null };
        return servePreview(ctx, req, target, common, path, query).then(done);
      }
      if (target.kind !== "admin") {
        const common = { requestId, https: ctx.config.https, bytes: null };
        const res = ctx.hosting.serve(req, target.kind === "app" ? target.name : null, common, path, query);
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
      return viaApp(adminApp);
    } catch (err) {
      return done(fail(err, requestId));
    }
  };
}
