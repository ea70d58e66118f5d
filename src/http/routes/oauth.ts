import { Hono } from "hono/quick";
import { sessionCookie } from "../../auth/cookies.ts";
import { finishSignIn, startSignIn } from "../../auth/oauth/index.ts";
import { safeRedirect } from "../../auth/redirects.ts";
import { createSession } from "../../auth/sessions.ts";
import { touchLogin } from "../../auth/users.ts";
import { FaztError } from "../../core/errors.ts";
import { clientIp } from "../client-ip.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { normalizeHost } from "../host-routing.ts";
import { htmlPage } from "../pages/layout.ts";
import { oauthErrorPage } from "../pages/oauth.ts";

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

/** `GET /auth/login/PROVIDER` and `GET /auth/callback/PROVIDER` (SPEC §7), answered on every host. */
export function oauthRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  /** The browser is the client here: failures are pages, not JSON. */
  const failure = (err: unknown, provider: string, requestId: string): Response => {
    if (!(err instanceof FaztError) || err.status >= 500) {
      ctx.log.warn("oauth sign-in failed", { provider, requestId, error: String(err) });
    }
    const e = err instanceof FaztError ? err : new FaztError("INTERNAL", "sign-in failed; start again");
    return htmlPage(oauthErrorPage(e.message), e.status, e.headers);
  };

  app.get("/login/:provider", async (c) => {
    const redirect = returnTo(ctx, c.req.query("redirect"), c.req.header("host"));
    try {
      const location = await startSignIn(ctx.store, ctx.config, c.req.param("provider"), redirect);
      return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
    } catch (err) {
      return failure(err, c.req.param("provider"), c.env.requestId);
    }
  });

  app.get("/callback/:provider", async (c) => {
    const name = c.req.param("provider");
    try {
      const params = new URL(c.req.url).searchParams;
      const { user, redirect } = await finishSignIn(ctx.store, ctx.config, ctx.log, name, params);
      const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
      const { token } = createSession(ctx.store, user.id, { ip, userAgent: c.req.header("user-agent") });
      touchLogin(ctx.store, user.id);
      ctx.log.info("signed in", { user: user.id, provider: name, ip, requestId: c.env.requestId });
      return new Response(null, {
        status: 302,
        headers: {
          location: redirect,
          "set-cookie": sessionCookie(token, ctx.config),
          "cache-control": "no-store",
        },
      });
    } catch (err) {
      return failure(err, name, c.env.requestId);
    }
  });

  return app;
}
