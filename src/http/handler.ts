import type { Server } from "bun";
import { FaztError } from "../core/errors.ts";
import { createAdminApp } from "./admin-app.ts";
import type { AdminUi } from "./admin-ui.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./envelope.ts";
import { routeHost } from "./host-routing.ts";
import { logRequest } from "./middleware/access-log.ts";
import { requestIdOf } from "./middleware/request-id.ts";
import { applySecurityHeaders } from "./middleware/security-headers.ts";

export type Handler = (req: Request, server: Server<undefined>) => Promise<Response>;

/**
 * The one entry point for every request: pick the target by Host (SPEC §3),
 * answer, then add the headers and the log line every response gets. The
 * admin API goes through Hono; app hosts take a direct path, since static
 * serving is the hot path.
 */
export function createHandler(ctx: ServerContext, ui: () => Promise<AdminUi>): Handler {
  const admin = createAdminApp(ctx, ui);
  return async (req, server) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req);
    const host = req.headers.get("host");
    let res: Response;
    try {
      const target = routeHost(host, ctx.config.domain);
      if (target.kind === "admin") res = await admin.fetch(req, { requestId });
      else res = ctx.hosting.serve(req, target.kind === "app" ? target.name : null);
    } catch (err) {
      if (!(err instanceof FaztError)) {
        ctx.log.error("unhandled error", { requestId, error: String(err), stack: (err as Error).stack });
      }
      res = errorResponse(err, requestId);
    }
    res.headers.set("x-request-id", requestId);
    applySecurityHeaders(res.headers, ctx.config.https);
    logRequest(ctx.log, req, res, { requestId, startedAt, host, ip: server.requestIP(req)?.address });
    return res;
  };
}
