import { Hono } from "hono/quick";
import * as v from "valibot";
import { listAliases, removeAlias, setAlias } from "../../apps/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

/** Aliases: subdomain → app, redirect or reserved (docs/admin-api.md). Admin only. */
export function aliasRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listAliases(ctx.store)));

  app.post("/", async (c) => {
    const { alias, created } = setAlias(ctx.store, await readJson(c, v.unknown(), ctx.config.maxBodyBytes));
    ctx.hosting.invalidate();
    ctx.httpsManager?.namesChanged(); // [https] cover the new name
    return ok(alias, { status: created ? 201 : 200 });
  });

  app.delete("/:name", (c) => {
    const name = c.req.param("name");
    removeAlias(ctx.store, name);
    ctx.hosting.invalidate();
    return ok({ name, removed: true });
  });

  return app;
}
