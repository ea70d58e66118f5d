import type { Context } from "hono";
import { Hono } from "hono/quick";
import { enabledProviderNames, isHandoffToken, safeRedirect } from "../../auth/index.ts";
import { FaztError } from "../../core/index.ts";
import { readFormFields } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { errorResponse, ok } from "../envelope.ts";
import {
  currentSession,
  type HandoffTarget,
  handOff,
  handoffRoutes,
  handoffTarget,
  hopToAdmin,
  isAdminHost,
  restartAt,
} from "./handoff.ts";
import { inviteRoutes } from "./invites.ts";
import { oauthRoutes } from "./oauth.ts";
import { htmlPage, pageCsp } from "./pages/layout.ts";
import { loginPage } from "./pages/login.ts";
import { logoutPage } from "./pages/logout.ts";
import { assertSignInOrigin, isForm, readLogin, signIn, signOut, withCookies } from "./sign-in.ts";

/**
 * `/auth/*`, answered on every host (docs/admin-api.md, docs/security.md): the sign-in page and form,
 * the session, sign-out. Forms get pages and redirects; JSON gets the
 * envelope. App hosts send their sign-in to the admin host, which hands it
 * back to them (handoff.ts): one sign-in covers every host.
 */
/** The sign-in form's answer redirects to the app's host it continues to: its CSP must allow that. */
const formCsp = (target: HandoffTarget | null): Record<string, string> =>
  target ? { "content-security-policy": pageCsp([new URL(target.href).origin]) } : {};

export function authRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  /** The sign-in form; when it continues to another host, it carries that host's state along. */
  const form = (
    redirect: string,
    target: HandoffTarget | null,
    state: string | undefined,
    extra: { error?: string; login?: string } = {},
  ) =>
    loginPage({
      redirect: target ? target.href : redirect,
      providers: enabledProviderNames(ctx.store),
      ...extra,
      ...(target && isHandoffToken(state)
        ? {
            state,
            continueTo: target.host.replace(/:(80|443)$/, ""),
            // After a provider sign-in, back here: signed in by then, this page hands off.
            providerRedirect: `/auth/login?redirect=${encodeURIComponent(target.href)}&state=${state}`,
          }
        : {}),
    });

  app.get("/login", (c) => {
    const host = c.req.header("host");
    if (!isAdminHost(ctx, host)) {
      const hop = hopToAdmin(ctx, c);
      if (hop) return hop;
    }
    const wanted = c.req.query("redirect");
    const state = c.req.query("state");
    const target = isAdminHost(ctx, host) ? handoffTarget(ctx, wanted, host) : null;
    if (target) {
      if (!isHandoffToken(state)) return restartAt(target);
      // Signed in here already: straight on, no form.
      const session = currentSession(ctx, c);
      if (session) return handOff(ctx, session, target, state);
    }
    return htmlPage(form(safeRedirect(wanted, ctx.config.domain), target, state), 200, formCsp(target));
  });

  app.post("/login", async (c) => {
    const isFormPost = isForm(c);
    try {
      assertSignInOrigin(c);
    } catch (err) {
      if (!isFormPost || !(err instanceof FaztError)) throw err;
      return htmlPage(form("/", null, undefined, { error: err.message }), err.status);
    }
    const input = await readLogin(c, ctx).catch((err: unknown) => {
      if (isFormPost) return null;
      throw err;
    });
    // Worked out before anything happens: a bad target can never fail the request after the session exists.
    const wanted = input?.redirect ?? c.req.query("redirect");
    const redirect = safeRedirect(wanted, ctx.config.domain);
    const host = c.req.header("host");
    const target = isFormPost && isAdminHost(ctx, host) ? handoffTarget(ctx, wanted, host) : null;
    try {
      if (!input) throw new FaztError("VALIDATION_FAILED", "enter your username and password");
      const { user, cookie, sessionId } = await signIn(c, ctx, input);
      if (!isFormPost) return ok({ user }, { headers: { "set-cookie": cookie } });
      if (target) return handOff(ctx, { rootId: sessionId }, target, input.state, [cookie], 303);
      return new Response(null, { status: 303, headers: { location: redirect, "set-cookie": cookie } });
    } catch (err) {
      if (!isFormPost || !(err instanceof FaztError)) throw err;
      const login = input?.username ?? input?.email ?? "";
      const html = form(redirect, target, input?.state, { error: err.message, login });
      return htmlPage(html, err.status, { ...err.headers, ...formCsp(target) });
    }
  });

  app.get("/session", (c) => ok({ user: currentSession(ctx, c)?.user ?? null }));

  /** The signed-in person, as the sign-out page names them. */
  const whoIs = (c: Context) => {
    const user = currentSession(ctx, c)?.user;
    return user ? { name: user.name ?? user.username ?? user.email ?? "you" } : null;
  };

  app.get("/logout", (c) => {
    const redirect = safeRedirect(c.req.query("redirect"), ctx.config.domain);
    return htmlPage(logoutPage({ user: whoIs(c), redirect }));
  });

  app.post("/logout", async (c) => {
    // Forms need this site's own page: another site must not sign anyone out.
    try {
      assertSignInOrigin(c, "sign-out");
    } catch (err) {
      if (!isForm(c) || !(err instanceof FaztError)) throw err;
      const user = currentSession(ctx, c)?.user ?? null;
      const name = user ? (user.name ?? user.username ?? user.email ?? "you") : "";
      return htmlPage(
        logoutPage({ user: user ? { name } : null, redirect: "/", error: err.message }),
        err.status,
      );
    }
    // The page's form names where to go in a field; a link or script may use the query.
    const fields = isForm(c) ? await readFormFields(c, ctx.config.maxBodyBytes).catch(() => null) : null;
    const redirect = safeRedirect(fields?.redirect ?? c.req.query("redirect"), ctx.config.domain);
    const cookies = signOut(c, ctx);
    if (!isForm(c)) return ok({ signedOut: true }, { headers: withCookies(cookies) });
    return new Response(null, { status: 303, headers: withCookies(cookies, { location: redirect }) });
  });

  // Mount points for the other sign-in routes (OAuth providers, invites) go below.
  app.route("/", inviteRoutes(ctx));
  app.route("/", oauthRoutes(ctx));
  app.route("/", handoffRoutes(ctx));

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
