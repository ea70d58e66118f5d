import { Hono } from "hono/quick";
import * as v from "valibot";
import { createInvite, INVITE_EXPIRY_MS, listInvites, MAX_INVITE_EXPIRY_MS } from "../../auth/index.ts";
import { parseDuration } from "../../core/index.ts";
import { apexUrl, readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import { ok } from "../envelope.ts";
import { type AuthEnv, actorOf, requireAuth } from "./principal.ts";

/**
 * `POST /api/invites` body. `expiry` is a duration string, as the CLI's
 * `--expiry` flag takes it: `90s`, `15m`, `2h`, `7d` (default 7d, at most 365d).
 */
const bodySchema = v.strictObject({
  role: v.optional(v.picklist(["admin", "user"], 'must be "admin" or "user"')),
  maxUses: v.optional(v.number("must be a number")),
  expiry: v.optional(
    v.pipe(
      v.string("must be a duration such as 90s, 15m, 2h or 7d"),
      v.regex(/^\d{1,9}[smhd]$/, "must be a duration such as 90s, 15m, 2h or 7d"),
      v.transform(parseDuration),
      v.minValue(1000, "must be at least 1s"),
      v.maxValue(MAX_INVITE_EXPIRY_MS, "must be at most 365d"),
    ),
  ),
});

/** Invites (docs/admin-api.md): the code and link are in the answer to POST and nowhere else. Admin only. */
export function inviteApiRoutes(ctx: ServerContext): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use("*", requireAuth(ctx, "admin"));

  app.get("/", () => ok(listInvites(ctx.store)));

  app.post("/", async (c) => {
    const body = await readJson(c, bodySchema, ctx.config.maxBodyBytes);
    const actor = actorOf(c.get("principal"));
    const { invite, code } = createInvite(
      ctx.store,
      { role: body.role ?? "user", maxUses: body.maxUses ?? 1, expiry: body.expiry ?? INVITE_EXPIRY_MS },
      actor,
    );
    ctx.log.info("invite created", { invite: invite.id, role: invite.role, by: actor.id ?? "api key" });
    const url = `${apexUrl(ctx.config)}/auth/invite/${code}`;
    return ok({ ...invite, code, url }, { status: 201 });
  });

  return app;
}
