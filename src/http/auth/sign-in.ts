import type { Context } from "hono";
import * as v from "valibot";
import type { UserInfo } from "../../auth/index.ts";
import {
  clearSessionCookies,
  createSession,
  endSession,
  passwordLogin,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from "../../auth/index.ts";
import { FaztError, parse } from "../../core/index.ts";
import { readFormFields, readJson } from "../../web/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { clientIp } from "../request/client-ip.ts";

export const loginSchema = v.pipe(
  v.object({
    username: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(320, "is too long"))),
    email: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(320, "is too long"))),
    password: v.pipe(
      v.string("is required"),
      v.minLength(1, "is required"),
      v.maxLength(1024, "is too long"),
    ),
    redirect: v.optional(v.string()),
    /** The app host's handoff state, when this sign-in continues to another host. */
    state: v.optional(v.string()),
  }),
  v.check((b) => Boolean(b.username || b.email), "username or email is required"),
);

export type LoginInput = v.InferOutput<typeof loginSchema>;

export const isForm = (c: Context) =>
  /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header("content-type") ?? "");

/** The `host[:port]` of an `Origin` header; null for `null` or anything unreadable. */
function originHost(origin: string): string | null {
  try {
    return origin === "null" ? null : new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Login CSRF: another site must not sign a browser in (into the attacker's
 * account), nor out. A browser's form POST carries `Origin`, and `Sec-Fetch-Site`:
 * a form needs a same-origin one of them; an `Origin` naming another
 * origin is refused for any content type. JSON with no `Origin` — curl, the
 * CLI, scripts, which carry no ambient cookie — is allowed. Used by sign-in,
 * invite redemption and sign-out; `what` names the action in the refusal.
 */
export function assertSignInOrigin(c: Context, what = "sign-in"): void {
  const origin = c.req.header("origin");
  const host = c.req.header("host")?.toLowerCase();
  if (origin !== undefined) {
    if (host && originHost(origin) === host) return;
  } else if (!isForm(c) || c.req.header("sec-fetch-site") === "same-origin") {
    return;
  }
  throw new FaztError("FORBIDDEN", `this ${what} was sent from another site; use this site's own page`);
}

/** Reads a sign-in body, JSON or an HTML form, within the body limit. */
export async function readLogin(c: Context<RequestEnv>, ctx: ServerContext): Promise<LoginInput> {
  if (!isForm(c)) return readJson(c, loginSchema, ctx.config.maxBodyBytes);
  return parse(loginSchema, await readFormFields(c, ctx.config.maxBodyBytes), "form");
}

/** Checks the password (with the sign-in limits) and starts a session; returns the cookie to set. */
export async function signIn(
  c: Context<RequestEnv>,
  ctx: ServerContext,
  input: LoginInput,
): Promise<{ user: UserInfo; cookie: string; sessionId: string }> {
  const ip = clientIp(c.req.raw, c.env.server, ctx.config.trustedProxies);
  const user = await passwordLogin(ctx.store, {
    login: (input.username || input.email)!,
    password: input.password,
    ip,
  });
  const { token, id } = createSession(ctx.store, user.id, { ip, userAgent: c.req.header("user-agent") });
  ctx.log.info("signed in", { user: user.id, ip, requestId: c.env.requestId });
  return { user, cookie: sessionCookie(token, ctx.config), sessionId: id };
}

/**
 * Ends the request's session and every session handed off from the same
 * sign-in (auth/sessions.ts `endSession`); returns the cookies that clear it here.
 */
export function signOut(c: Context<RequestEnv>, ctx: ServerContext): string[] {
  const token = readCookie(c.req.header("cookie") ?? null, SESSION_COOKIE);
  if (token) endSession(ctx.store, token);
  return clearSessionCookies(ctx.config);
}

/** Response headers with several `Set-Cookie` lines. */
export function withCookies(cookies: string[], headers: Record<string, string> = {}): Headers {
  const h = new Headers(headers);
  for (const cookie of cookies) h.append("set-cookie", cookie);
  return h;
}
