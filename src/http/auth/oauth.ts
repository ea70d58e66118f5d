import { Hono } from "hono/quick";
import {
  clearOauthStateCookie,
  createSession,
  enabledProvider,
  finishSignIn,
  isHandoffToken,
  OAUTH_STATE_COOKIE,
  oauthStateCookie,
  readCookie,
  STATE_TTL_MS,
  safeRedirect,
  sessionCookie,
  startSignIn,
  touchLogin,
} from "../../auth/index.ts";
import { FaztError } from "../../core/index.ts";
import { apexUrl } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { normalizeHost } from "../host-routing.ts";
import { clientIp } from "../request/client-ip.ts";
import { handOff, handoffTarget, isAdminHost } from "./handoff.ts";
import { htmlPage } from "./pages/layout.ts";
import { oauthErrorPage } from "./pages/oauth.ts";

/**
 * Where to return after signing in, as an absolute URL: the callback is on
 * the apex, so a path (`/x`) is kept on the host the sign-in started from —
 * when that host is `D` or one of its subdomains; anything else is `/`.
 */
function returnTo(ctx: ServerContext, target: string | undefined, rawHost: string | undefined): string {
  const safe = safeRedirect(target, ctx.config.domain);
  if (!safe.startsWith("/")) return safe;
  const host = normalizeHost(rawHost);
  if (!host) return safe;
  const scheme = ctx.config.https ? "https" : "http";
  const port = rawHost?.match(/:(\d{1,5})$/)?.[1];
  const absolute = `${scheme}://${host}${port ? `:${port}` : ""}${safe}`;
  return safeRedirect(absolute, ctx.config.domain) === "/" ? safe : absolute;
}

/**
 * A provider sign-in started on the admin host's page for another host
 * returns to that page (`ADMIN/auth/login?redirect=…&state=…`). The callback
 * is on the apex, whose cookie the admin host may not share (on localhost):
 * so the callback hands the new sign-in to that host itself.
 */
function continuedHandoff(ctx: ServerContext, redirect: string) {
  if (redirect.startsWith("/")) return null;
  const url = new URL(redirect);
  if (url.pathname !== "/auth/login" || !isAdminHost(ctx, url.host)) return null;
  const target = handoffTarget(ctx, url.searchParams.get("redirect"), url.host);
  const state = url.searchParams.get("state") ?? undefined;
  return target && isHandoffToken(state) ? { target, state } : null;
}

/**
 * `GET /auth/login/PROVIDER` and `GET /auth/callback/PROVIDER`, answered on
 * every host. The provider returns to the apex, and the state cookie that
 * binds a sign-in to its browser is host-only: so a start on another host is
 * first sent to the same start on the apex (`via=apex` stops a loop should the
 * apex not recognise itself, e.g. behind a proxy that rewrites Host).
 */
export function oauthRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  /** The browser is the client here: failures are pages, not JSON. */
  const failure = (err: unknown, provider: string, requestId: string, extra: Record<string, string> = {}) => {
    if (!(err instanceof FaztError) || err.status >= 500) {
      ctx.log.warn("oauth sign-in failed", { provider, requestId, error: String(err) });
    }
    const e = err instanceof FaztError ? err : new FaztError("INTERNAL", "sign-in failed; start again");
    return htmlPage(oauthErrorPage(e.message), e.status, { ...e.headers, ...extra });
  };

  app.get("/login/:provider", async (c) => {
    const name = c.req.param("provider");
    const redirect = returnTo(ctx, c.req.query("redirect"), c.req.header("host"));
    try {
      enabledProvider(ctx.store, name); // an unknown or disabled provider is a 404 here, not after a hop
      const apex = new URL(apexUrl(ctx.config));
      if (normalizeHost(c.req.header("host")) !== apex.hostname && c.req.query("via") !== "apex") {
        const there = `${apex.origin}/auth/login/${encodeURIComponent(name)}?redirect=${encodeURIComponent(redirect)}&via=apex`;
        return new Response(null, { status: 302, headers: { location: there, "cache-control": "no-store" } });
      }
      const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
      const { location, state } = await startSignIn(ctx.store, ctx.config, name, redirect, { ip });
      return new Response(null, {
        status: 302,
        headers: {
          location,
          "set-cookie": oauthStateCookie(state, { https: ctx.config.https, maxAgeMs: STATE_TTL_MS }),
          "cache-control": "no-store",
        },
      });
    } catch (err) {
      return failure(err, name, c.env.requestId);
    }
  });

  app.get("/callback/:provider", async (c) => {
    const name = c.req.param("provider");
    // The state cookie is spent whatever happens next.
    const clearState = clearOauthStateCookie(ctx.config);
    try {
      const params = new URL(c.req.url).searchParams;
      const bound = readCookie(c.req.header("cookie") ?? null, OAUTH_STATE_COOKIE);
      const { user, redirect } = await finishSignIn(ctx.store, ctx.config, ctx.log, name, params, bound);
      const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
      const { token, id } = createSession(ctx.store, user.id, { ip, userAgent: c.req.header("user-agent") });
      touchLogin(ctx.store, user.id);
      ctx.log.info("signed in", { user: user.id, provider: name, ip, requestId: c.env.requestId });
      const cookies = [sessionCookie(token, ctx.config), clearState];
      const handoff = continuedHandoff(ctx, redirect);
      if (handoff) return handOff(ctx, { rootId: id }, handoff.target, handoff.state, cookies);
      const headers = new Headers({ location: redirect, "cache-control": "no-store" });
      for (const cookie of cookies) headers.append("set-cookie", cookie);
      return new Response(null, { status: 302, headers });
    } catch (err) {
      return failure(err, name, c.env.requestId, { "set-cookie": clearState });
    }
  });

  return app;
}
