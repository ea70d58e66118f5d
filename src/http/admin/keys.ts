import { Hono } from "hono/quick";
import * as v from "valibot";
import { createApiKey, deleteApiKey, listApiKeys } from "../../auth/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, requireAuth } from "./principal.ts";

/**
 * API keys: the token is in the answer to POST and nowhere else, ever. Admin
 * only. The list shows each key's maker, scope, apps, last use and whether
 * it still works.
 */
export function keyRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listApiKeys(ctx.store)));

  app.post("/", async (c) => {
    // The new key acts for a session's user, or for the ORIGINAL maker of the
    // key that mints it: a key can never outlive, or outrank, a person.
    const p = c.get("principal");
    const makerId = p.kind === "session" ? p.user.id : p.key.createdBy;
    const body = await readJson(c, v.unknown(), ctx.config.maxBodyBytes);
    const { key, token } = createApiKey(ctx.store, body, makerId);
    ctx.log.info("api key created", { key: key.id, scope: key.scope, by: makerId });
    return ok({ ...key, token }, { status: 201 });
  });

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    deleteApiKey(ctx.store, id);
    return ok({ id, removed: true });
  });

  return app;
}
