import { Hono } from "hono/quick";
import * as v from "valibot";
import { deleteUser, listUsers, setRole } from "../../auth/index.ts";
import { parse } from "../../core/index.ts";
import { readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, actorOf, requireAuth } from "./principal.ts";

const pageSchema = v.object({
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(1000)), "100"),
  offset: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), "0"),
});

const roleSchema = v.strictObject({
  role: v.picklist(["owner", "admin", "user"], 'must be "admin" or "user"'),
});

/**
 * Users and roles (docs/admin-api.md). Admin only; nobody changes the owner's role
 * or deletes the owner, and only the owner makes or unmakes admins (keys act
 * as admins).
 */
export function userRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", (c) => {
    const page = parse(pageSchema, c.req.query(), "query");
    const { users, total } = listUsers(ctx.store, page);
    return ok(users, { meta: { total, ...page } });
  });

  app.patch("/:id", async (c) => {
    const { role } = await readJson(c, roleSchema, ctx.config.maxBodyBytes);
    const actor = actorOf(c.get("principal"));
    const user = setRole(ctx.store, actor, c.req.param("id"), role);
    ctx.log.info("role changed", { user: user.id, role, by: actor.id ?? "api key" });
    return ok(user);
  });

  app.delete("/:id", (c) => {
    const id = c.req.param("id");
    const actor = actorOf(c.get("principal"));
    deleteUser(ctx.store, actor, id);
    ctx.log.info("user deleted", { user: id, by: actor.id ?? "api key" });
    return ok({ id, removed: true });
  });

  return app;
}
