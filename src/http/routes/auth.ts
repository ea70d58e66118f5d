import { Hono } from "hono/quick";
import { readCookie } from "../../auth/cookies.ts";
import { safeRedirect } from "../../auth/redirects.ts";
import { SESSION_COOKIE, sessionUser } from "../../auth/sessions.ts";
import { FaztError } from "../../core/errors.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { errorResponse, ok } from "../envelope.ts";
import { htmlPage } from "../pages/layout.ts";
import { loginPage } from "../pages/login.ts";
import { inviteRoutes } from "./invites.ts";
import { oauthRoutes } from "./oauth.ts";
import { assertSignInOrigin, isForm, readLogin, signIn, signOut } from "./sign-in.ts";

function enabledProviders(ctx: ServerContext): string[] {
  return ctx.store.sqlite
    .query<{ name: string }, []>("SELECT name FROM auth_providers WHERE enabled = 1 ORDER BY name")
    .all()
    .map((r) => r.name);
}

/**
 * `/auth/*`, answered on every host (SPEC §7): the sign-in page and form,
 * the session, sign-out. Forms get pages and redirects; JSON gets the
 * envelope. The cookie covers every app of the instance.
 */
export function authRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  app.get("/login", (c) => {
    const redirect = safeRedirect(c.req.query("redirect"), ctx.config.domain);
    return htmlPage(loginPage({ redirect, providers: enabledProviders(ctx) }));
  });

  app.post("/login", async (c) => {
    const form = isForm(c);
    try {
      assertSignInOrigin(c);
    } catch (err) {
      if (!form || !(err instanceof FaztError)) throw err;
      const html = loginPage({ redirect: "/", providers: enabledProviders(ctx), error: err.message });
      return htmlPage(html, err.status);
    }
    const input = await readLogin(c, ctx).catch((err: unknown) => {
      if (form) return null;
      throw err;
    });
    // Worked out before anything happens: a bad target can never fail the request after the session exists.
    const redirect = safeRedirect(input?.redirect ?? c.req.query("redirect"), ctx.config.domain);
    try {
      if (!input) throw new FaztError("VALIDATION_FAILED", "enter your username and password");
      const { user, cookie } = await signIn(c, ctx, input);
      if (!form) return ok({ user }, { headers: { "set-cookie": cookie } });
      return new Response(null, { status: 303, headers: { location: redirect, "set-cookie": cookie } });
    } catch (err) {
      if (!form || !(err instanceof FaztError)) throw err;
      const html = loginPage({
        redirect,
        providers: enabledProviders(ctx),
        error: err.message,
        login: input?.username ?? input?.email ?? "",
      });
      return htmlPage(html, err.status, err.headers);
    }
  });

  app.get("/session", (c) => {
    const token = readCookie(c.req.header("cookie") ?? null, SESSION_COOKIE);
    return ok({ user: token ? sessionUser(ctx.store, token) : null });
  });

  app.post("/logout", (c) => {
    const redirect = safeRedirect(c.req.query("redirect"), ctx.config.domain);
    const cookie = signOut(c, ctx);
    if (!isForm(c)) return ok({ signedOut: true }, { headers: { "set-cookie": cookie } });
    return new Response(null, { status: 303, headers: { location: redirect, "set-cookie": cookie } });
  });

  // Mount points for the other sign-in routes (OAuth providers, invites) go below.
  app.route("/", inviteRoutes(ctx));
  app.route("/", oauthRoutes(ctx));

  app.all("*", () => {
    throw new FaztError("NOT_FOUND", "no such /auth route");
  });
  app.onError((err, c) => errorResponse(err, c.env.requestId));
  return app;
}

/** The Hono app the handler sends `/auth/*` to, on every host. */
export function authApp(ctx: ServerContext): Hono<RequestEnv> {
  return new Hono<RequestEnv>().route("/auth", authRoutes(ctx));
}
