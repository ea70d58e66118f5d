import type { Server } from "bun";
import { FaztError } from "../core/errors.ts";
import { createAdminApp } from "./admin-app.ts";
import type { AdminUi } from "./admin-ui.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./envelope.ts";
import { routeHostCached } from "./host-routing.ts";
import { logRequest } from "./middleware/access-log.ts";
import { requestIdOf } from "./middleware/request-id.ts";
import { applySecurityHeaders } from "./middleware/security-headers.ts";

export type Handler = (req: Request, server: Server<undefined>) => Response | Promise<Response>;

/**
 * The one entry point for every request: pick the target by Host (SPEC §3),
 * answer, then add the headers and the log line every response gets. The
 * admin API goes through Hono; app hosts take a direct, synchronous path that
 * builds each response with all its headers at once, since static serving is
 * the hot path.
 */
export function createHandler(ctx: ServerContext, ui: () => Promise<AdminUi>): Handler {
  const admin = createAdminApp(ctx, ui);

  const finish = (
    req: Request,
    res: Response,
    server: Server<undefined>,
    meta: {
      requestId: string;
      startedAt: number;
      host: string | null;
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
    logRequest(ctx.log, req, res.status, bytes, meta.requestId, meta.startedAt, meta.host, ip);
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
    let target: ReturnType<typeof routeHostCached>;
    try {
      target = routeHostCached(host, ctx.config.domain);
      if (target.kind !== "admin") {
        const common = { requestId, https: ctx.config.https, bytes: null };
        const res = ctx.hosting.serve(req, target.kind === "app" ? target.name : null, common);
        return finish(req, res, server, { requestId, startedAt, host, complete: true, bytes: common.bytes });
      }
    } catch (err) {
      return finish(req, fail(err, requestId), server, { requestId, startedAt, host, complete: false });
    }
    return Promise.resolve(admin.fetch(req, { requestId })).then(
      (res) => finish(req, res, server, { requestId, startedAt, host, complete: false }),
      (err: unknown) =>
        finish(req, fail(err, requestId), server, { requestId, startedAt, host, complete: false }),
    );
  };
}
