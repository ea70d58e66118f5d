import type { Context } from "hono";
import { Hono } from "hono/quick";
import * as v from "valibot";
import { checkInvite, createSession, redeemInvite, safeRedirect, sessionCookie } from "../../auth/index.ts";
import { FaztError } from "../../core/index.ts";
import { readFormFields, readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { ok } from "../envelope.ts";
import { clientIp } from "../request/client-ip.ts";
import { invitePage, inviteRefusedPage } from "./pages/invite.ts";
import { htmlPage } from "./pages/layout.ts";
import { assertSignInOrigin, isForm } from "./sign-in.ts";

/** Fields are validated by `redeemInvite`; here only their shape (strings) for forms. */
const bodySchema = v.record(v.string(), v.unknown());

async function readBody(c: Context<RequestEnv>, ctx: ServerContext): Promise<Record<string, unknown>> {
  if (!isForm(c)) return readJson(c, bodySchema, ctx.config.maxBodyBytes);
  const fields = await readFormFields(c, ctx.config.maxBodyBytes);
  if (fields.name === "") delete fields.name;
  return fields;
}

const str = (x: unknown) => (typeof x === "string" ? x : undefined);

/**
 * `GET|POST /auth/invite/CODE` on every host (docs/admin-api.md): the page with the
 * form, and the redemption (JSON → 201 with the user, a form → 303), both
 * signing the new user in. Unknown codes 404, used-up 409, expired 410.
 */
export function inviteRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  app.get("/invite/:code", (c) => {
    const code = c.req.param("code");
    const redirect = safeRedirect(c.req.query("redirect"), ctx.config.domain);
    try {
      const invite = checkInvite(ctx.store, code);
      return htmlPage(invitePage({ code, role: invite.role, redirect }));
    } catch (err) {
      if (!(err instanceof FaztError)) throw err;
      return htmlPage(inviteRefusedPage(err.message), err.status);
    }
  });

  app.post("/invite/:code", async (c) => {
    const code = c.req.param("code");
    const form = isForm(c);
    let body: Record<string, unknown> = {};
    try {
      // Redeeming signs the browser in: the same login-CSRF check as the sign-in form.
      assertSignInOrigin(c, "invite");
      body = await readBody(c, ctx);
      const user = await redeemInvite(ctx.store, code, body);
      const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
      const { token } = createSession(ctx.store, user.id, { ip, userAgent: c.req.header("user-agent") });
      ctx.log.info("invite redeemed", { user: user.id, role: user.role, ip, requestId: c.env.requestId });
      const cookie = sessionCookie(token, ctx.config);
      if (!form) return ok({ user }, { status: 201, headers: { "set-cookie": cookie } });
      const redirect = safeRedirect(str(body.redirect) ?? c.req.query("redirect"), ctx.config.domain);
      return new Response(null, { status: 303, headers: { location: redirect, "set-cookie": cookie } });
    } catch (err) {
      if (!form || !(err instanceof FaztError)) throw err;
      // The invite itself is not usable: say so. Otherwise show the form again with the reason.
      let role: string;
      try {
        role = checkInvite(ctx.store, code).role;
      } catch (refused) {
        if (!(refused instanceof FaztError)) throw refused;
        return htmlPage(inviteRefusedPage(refused.message), refused.status);
      }
      const redirect = safeRedirect(str(body.redirect) ?? c.req.query("redirect"), ctx.config.domain);
      const page = invitePage({
        code,
        role,
        redirect,
        error: err.message,
        email: str(body.email) ?? "",
        name: str(body.name) ?? "",
      });
      return htmlPage(page, err.status, err.headers);
    }
  });

  return app;
}
