import { Hono } from "hono/quick";
import * as v from "valibot";
import { createApiKey, deleteApiKey, listApiKeys } from "../../auth/api-keys.ts";
import { findOwner } from "../../auth/owner.ts";
import { readJson } from "../body.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "../middleware/auth.ts";

const ownerId = (ctx: ServerContext) => findOwner(ctx.store)?.id ?? null;

/** API keys (SPEC §7): the token is in the answer to POST and nowhere else, ever. Admin only. */
export function keyRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listApiKeys(ctx.store)));

  app.post("/", async (c) => {
    // The new key carries its creator's authority: a session's user, or the creating key's own.
    const p = c.get("principal");
    const createdBy = p.kind === "session" ? p.user.id : p.key.actsAs === "owner" ? ownerId(ctx) : null;
    const body = await readJson(c, v.unknown(), ctx.config.maxBodyBytes);
    const { key, token } = createApiKey(ctx.store, body, createdBy);
    return ok({ ...key, token }, { status: 201 });
  });

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    deleteApiKey(ctx.store, id);
    return ok({ id, removed: true });
  });

  return app;
}
