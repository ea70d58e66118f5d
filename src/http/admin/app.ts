import { Hono } from "hono/quick";
import { FaztError, VERSION } from "../../core/index.ts";
import { sessionRoutes } from "../auth/session.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { errorResponse, json } from "../envelope.ts";
import { aliasRoutes } from "./aliases.ts";
import { appRuntimeRoutes } from "./app-runtime.ts";
import { appRoutes } from "./apps.ts";
import { backupRoutes } from "./backups.ts";
import { deployRoutes } from "./deploys.ts";
import { inviteApiRoutes } from "./invites.ts";
import { keyRoutes } from "./keys.ts";
import { providerRoutes } from "./providers.ts";
import { sqlRoutes } from "./sql.ts";
import { storageRoutes } from "./storage.ts";
import { systemRoutes } from "./system.ts";
import type { AdminUi } from "./ui.ts";
import { upgradeRoutes } from "./upgrade.ts";
import { userRoutes } from "./users.ts";

export type AdminEnv = RequestEnv;

/** The admin host: `/health`, the admin API under `/api`, and the admin UI. */
export function createAdminApp(ctx: ServerContext, ui: () => Promise<AdminUi>): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();

  // Also answered by the handler before this app is loaded; kept here for HEAD and completeness.
  app.get("/health", () => json({ status: "ok", version: VERSION }));

  app.route("/api", sessionRoutes(ctx));
  app.route("/api/system", systemRoutes(ctx));
  app.route("/api/apps", appRuntimeRoutes(ctx));
  app.route("/api/apps", storageRoutes(ctx));
  app.route("/api/apps", appRoutes(ctx));
  app.route("/api/aliases", aliasRoutes(ctx));
  app.route("/api/keys", keyRoutes(ctx));
  app.route("/api/upgrade", upgradeRoutes(ctx));
  app.route("/api/backups", backupRoutes(ctx));
  app.route("/api/auth/providers", providerRoutes(ctx));
  app.route("/api/users", userRoutes(ctx));
  app.route("/api/invites", inviteApiRoutes(ctx));
  app.route("/api/sql", sqlRoutes(ctx));
  app.route("/api", deployRoutes(ctx));
  app.all("/api", () => {
    throw new FaztError("NOT_FOUND", "no such API route");
  });
  app.all("/api/*", () => {
    throw new FaztError("NOT_FOUND", "no such API route");
  });

  app.on(["GET", "HEAD"], "*", async (c) => {
    const res = (await ui()).serve(c.req.raw, c.req.path, ctx.store);
    if (res) return res;
    throw new FaztError("NOT_FOUND", "not found");
  });
  app.all("*", (c) => {
    throw new FaztError("METHOD_NOT_ALLOWED", `${c.req.method} is not allowed here`, {
      headers: { allow: "GET, HEAD" },
    });
  });

  app.onError((err, c) => {
    if (!(err instanceof FaztError)) {
      ctx.log.error("unhandled error", {
        requestId: c.env.requestId,
        error: String(err),
        stack: (err as Error).stack,
      });
    }
    return errorResponse(err, c.env.requestId);
  });
  return app;
}
