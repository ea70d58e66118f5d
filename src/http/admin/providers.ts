import { Hono } from "hono/quick";
import * as v from "valibot";
import { listProviders, setProvider } from "../../auth/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

/** Sign-in providers (docs/admin-api.md): admin only; client secrets go in and never come out. */
export function providerRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listProviders(ctx.store, ctx.config)));

  app.put("/:name", async (c) => {
    const body = await readJson(c, v.unknown(), ctx.config.maxBodyBytes);
    return ok(setProvider(ctx.store, ctx.config, c.req.param("name"), body));
  });

  return app;
}
