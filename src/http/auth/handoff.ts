import type { Context } from "hono";
import { Hono } from "hono/quick";
import {
  absoluteTarget,
  consumeHandoff,
  createChildSession,
  HANDOFF_STATE_COOKIE,
  handoffStateCookie,
  isHandoffToken,
  issueHandoff,
  readCookie,
  SESSION_COOKIE,
  type SessionInfo,
  safeRedirect,
  sessionCookie,
  sessionOf,
} from "../../auth/index.ts";
import { FaztError, randomToken } from "../../core/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { normalizeHost, routeHost } from "../host-routing.ts";
import { clientIp } from "../request/client-ip.ts";
import { htmlPage } from "./pages/layout.ts";
import { handoffFailedPage } from "./pages/logout.ts";

/*
 * One sign-in for every host. Hosts that cannot share the admin host's
 * cookie (`*.localhost`; on a real domain every app host is treated the same,
 * for one code path) send their sign-in to the admin host:
 *
 *   blog/auth/login?redirect=/p   → 302 admin/auth/login?redirect=http://blog/p&state=S
 *                                   (S: this browser's state, a host-only cookie on blog)
 *   admin, signed in (or after the form)
 *                                 → 302 blog/auth/handoff?code=C   (C: single-use, 60 s, for blog and S)
 *   blog/auth/handoff?code=C      → 302 /p with blog's own session cookie (a child of admin's)
 *
 * The admin host hands codes only to the hosts Fazt serves apps on, on its
 * own port and scheme: never to another host, where a code would leak the session.
 */

/** A redirect that is never cached and tells the next host nothing (the URL may hold a code). */
function redirectTo(location: string, cookies: string[] = [], status = 302): Response {
  const headers = new Headers({ location, "cache-control": "no-store", "referrer-policy": "no-referrer" });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status, headers });
}

const scheme = (ctx: ServerContext) => (ctx.config.https ? "https" : "http");
const defaultPort = (ctx: ServerContext) => (ctx.config.https ? "443" : "80");

/** The `:port` written in a Host header, or "". */
const portPart = (rawHost: string | undefined) => rawHost?.match(/:(\d{1,5})$/)?.[0] ?? "";

/** `name:port` of a Host header, the port filled in: what a code is bound to. */
export function hostKey(ctx: ServerContext, rawHost: string | undefined): string | null {
  const name = normalizeHost(rawHost);
  return name ? `${name}:${portPart(rawHost).slice(1) || defaultPort(ctx)}` : null;
}

/** `localhost`, `NAME.localhost` and the loopback addresses: hosts that name this machine. */
const isLocalhost = (name: string | null) =>
  !!name && (name === "localhost" || name.endsWith(".localhost") || name === "127.0.0.1" || name === "[::1]");

export const isAdminHost = (ctx: ServerContext, rawHost: string | undefined) =>
  routeHost(rawHost, ctx.config.domain).kind === "admin";

/** Another host a sign-in on the admin host continues to. */
export interface HandoffTarget {
  /** `http://blog.localhost:4698` */
  origin: string;
  /** `blog.localhost:4698`: the host the code is bound to. */
  host: string;
  /** Where to go there afterwards: a path. */
  path: string;
  href: string;
}

/**
 * The target of a sign-in on the admin host (`rawHost`), when it is another
 * host that may be handed the sign-in: an app host Fazt routes (D, `NAME.D`,
 * `NAME.localhost`), on the admin host's scheme and port. null otherwise —
 * then the target is judged as an ordinary redirect.
 */
export function handoffTarget(
  ctx: ServerContext,
  target: string | null | undefined,
  rawHost: string | undefined,
): HandoffTarget | null {
  const parsed = absoluteTarget(target);
  if (!parsed) return null;
  const { url, path } = parsed;
  if (url.protocol !== `${scheme(ctx)}:`) return null;
  const name = normalizeHost(url.hostname);
  if (!name || routeHost(name, ctx.config.domain).kind !== "app") return null;
  // `NAME.localhost` is this machine only for a browser on it: reached through the admin host of D, it is not ours.
  if (isLocalhost(name) && !isLocalhost(normalizeHost(rawHost))) return null;
  const host = `${name}:${url.port || defaultPort(ctx)}`;
  const here = hostKey(ctx, rawHost);
  // Only on this server's port: another port on *.localhost is another program.
  if (!here || here.slice(here.lastIndexOf(":")) !== host.slice(host.lastIndexOf(":"))) return null;
  const origin = `${scheme(ctx)}://${name}${url.port ? `:${url.port}` : ""}`;
  return { origin, host, path, href: `${origin}${path}` };
}

/**
 * Issues a code for `target` under the signed-in `session` and sends the
 * browser there. Without the app host's state (someone typed the admin URL),
 * the browser goes to the app host's sign-in first, which comes back with one.
 */
export function handOff(
  ctx: ServerContext,
  session: Pick<SessionInfo, "rootId">,
  target: HandoffTarget,
  state: string | undefined,
  cookies: string[] = [],
  /** 303 after a form POST: the next request is a GET. */
  status = 302,
): Response {
  if (!isHandoffToken(state)) return restartAt(target, cookies, status);
  const code = issueHandoff(ctx.store, {
    sessionId: session.rootId,
    host: target.host,
    redirect: target.path,
    state,
  });
  return redirectTo(`${target.origin}/auth/handoff?code=${code}`, cookies, status);
}

/** To the target host's own sign-in, which starts the handoff there with its state. */
export const restartAt = (target: HandoffTarget, cookies: string[] = [], status = 302) =>
  redirectTo(`${target.origin}/auth/login?redirect=${encodeURIComponent(target.path)}`, cookies, status);

/** The live session of the request, if any. */
export function currentSession(ctx: ServerContext, c: Context): SessionInfo | null {
  const token = readCookie(c.req.header("cookie") ?? null, SESSION_COOKIE);
  return token ? sessionOf(ctx.store, token) : null;
}

/**
 * On an app host: its sign-in is the admin host's. Sends the browser there
 * with the way back (a URL on this host only: a target on another host falls
 * back to `/`) and this browser's state. null on hosts that are not app hosts
 * (the admin host, unknown hosts): they show the form themselves.
 */
export function hopToAdmin(ctx: ServerContext, c: Context): Response | null {
  const rawHost = c.req.header("host");
  const name = normalizeHost(rawHost);
  if (!name || routeHost(name, ctx.config.domain).kind !== "app") return null;
  const port = portPart(rawHost);
  const here = `${scheme(ctx)}://${name}${port}`;
  const wanted = safeRedirect(c.req.query("redirect"), ctx.config.domain);
  let path = wanted;
  if (!wanted.startsWith("/")) {
    const url = new URL(wanted);
    const sameHost =
      `${url.hostname.replace(/\.$/, "")}:${url.port || defaultPort(ctx)}` === hostKey(ctx, rawHost);
    path = sameHost ? safeRedirect(`${url.pathname}${url.search}${url.hash}`, ctx.config.domain) : "/";
  }
  const base = isLocalhost(name) ? "localhost" : ctx.config.domain;
  const existing = readCookie(c.req.header("cookie") ?? null, HANDOFF_STATE_COOKIE);
  // Reused while it lives: two tabs signing in at once must not spoil each other's codes.
  const state = isHandoffToken(existing) ? existing : randomToken(32);
  const admin = `${scheme(ctx)}://admin.${base}${port}`;
  const location = `${admin}/auth/login?redirect=${encodeURIComponent(`${here}${path}`)}&state=${state}`;
  return redirectTo(location, [handoffStateCookie(state, ctx.config)]);
}

/** `GET /auth/handoff?code=…` on the app host: trades the code for this host's own session. */
export function handoffRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  app.get("/handoff", (c) => {
    try {
      const { sessionId, redirect } = consumeHandoff(ctx.store, {
        code: c.req.query("code"),
        state: readCookie(c.req.header("cookie") ?? null, HANDOFF_STATE_COOKIE),
        host: hostKey(ctx, c.req.header("host")) ?? "",
      });
      const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
      const { token, user } = createChildSession(ctx.store, sessionId, {
        ip,
        userAgent: c.req.header("user-agent"),
      });
      ctx.log.info("signed in by handoff", { user: user.id, ip, requestId: c.env.requestId });
      const cookie = sessionCookie(token, { ...ctx.config, hostOnly: true });
      return redirectTo(safeRedirect(redirect, ctx.config.domain), [cookie]);
    } catch (err) {
      if (!(err instanceof FaztError)) throw err;
      return htmlPage(handoffFailedPage(err.message, "/auth/login"), err.status, {
        "referrer-policy": "no-referrer",
      });
    }
  });

  return app;
}
