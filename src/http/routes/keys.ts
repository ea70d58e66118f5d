import { Hono } from "hono/quick";
import * as v from "valibot";
import { createApiKey, deleteApiKey, listApiKeys } from "../../auth/api-keys.ts";
import { readJson } from "../body.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "../middleware/auth.ts";

/** API keys (SPEC §7): the token is in the answer to POST and nowhere else, ever. Admin only. */
export function keyRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listApiKeys(ctx.store)));

  app.post("/", async (c) => {
    const { key, token } = createApiKey(ctx.store, await readJson(c, v.unknown(), ctx.config.maxBodyBytes));
    return ok({ ...key, token }, { status: 201 });
  });

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    deleteApiKey(ctx.store, id);
    return ok({ id, removed: true });
  });

  return app;
}
