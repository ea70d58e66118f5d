import type { MiddlewareHandler } from "hono";
import type { UserInfo } from "../../auth/index.ts";
import {
  type ApiKeyInfo,
  assertNotLocked,
  type KeyScope,
  readCookie,
  recordFailure,
  SESSION_COOKIE,
  sessionUser,
  verifyApiKey,
} from "../../auth/index.ts";
import { FaztError } from "../../core/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { clientIp } from "../request/client-ip.ts";

export type Principal = { kind: "key"; key: ApiKeyInfo } | { kind: "session"; user: UserInfo };

export type AuthEnv = RequestEnv & { Variables: { principal: Principal } };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A cookie-authenticated write must come from the admin origin itself: the
 * browser's `Origin` must name the host the request was sent to. (SameSite=Lax
 * already keeps the cookie off cross-site POSTs; this also covers sibling
 * subdomains, which are "same-site".)
 */
function assertSameOrigin(req: Request): void {
  const origin = req.headers.get("origin");
  const host = req.headers.get("host")?.toLowerCase();
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host.toLowerCase() : undefined;
  } catch {
    originHost = undefined;
  }
  if (!originHost || originHost !== host) {
    throw new FaztError(
      "FORBIDDEN",
      "cross-origin request refused: writes with a session must come from the admin UI",
    );
  }
}

/**
 * Admin API authentication: an API key (`admin` may do everything, `deploy`
 * only what asks for `deploy`, and an app-limited one only its apps — see
 * `assertMayDeploy`) or the session of the owner or an admin. A `user`
 * session is 403 everywhere here.
 */
export function requireAuth(ctx: ServerContext, scope: KeyScope): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      // Wrong keys are counted per address in their own space (`key-ip:`), apart
      // from failed sign-ins: a password-guessing flood never blocks a valid key.
      const ipKey = `key-ip:${clientIp(c.req.raw, c.env?.server, ctx.config.trustedProxies)}`;
      assertNotLocked(ctx.store, [ipKey]);
      const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
      const check = verifyApiKey(ctx.store, token);
      if (!check.ok) {
        // A right secret whose maker was deleted or demoted is not a guess: it is not counted.
        if (check.disabled === null) recordFailure(ctx.store, [ipKey]);
        throw new FaztError("UNAUTHORIZED", check.disabled ?? "invalid API key", {
          headers: { "www-authenticate": 'Bearer realm="fazt", error="invalid_token"' },
        });
      }
      const { key } = check;
      if (scope === "admin" && key.scope !== "admin") {
        throw new FaztError("FORBIDDEN", `this key's scope is "${key.scope}"; this needs an admin key`);
      }
      c.set("principal", { kind: "key", key });
      return next();
    }
    const token = readCookie(c.req.header("cookie") ?? null, SESSION_COOKIE);
    const user = token ? sessionUser(ctx.store, token) : null;
    if (!user) {
      throw new FaztError("UNAUTHORIZED", "sign in, or send an API key as `Authorization: Bearer …`", {
        headers: { "www-authenticate": 'Bearer realm="fazt"' },
      });
    }
    if (user.role === "user") throw new FaztError("FORBIDDEN", "this needs the owner or an admin");
    if (!SAFE_METHODS.has(c.req.method)) assertSameOrigin(c.req.raw);
    c.set("principal", { kind: "session", user });
    return next();
  };
}

/** Refuses (403) a deploy of `app` by a key limited to other apps; sessions and unlimited keys pass. */
export function assertMayDeploy(p: Principal, app: string): void {
  if (p.kind !== "key" || p.key.apps === null || p.key.apps.includes(app)) return;
  throw new FaztError(
    "FORBIDDEN",
    `this key may deploy only ${p.key.apps.join(", ")}; it cannot deploy "${app}"`,
  );
}

/**
 * The acting user for rules such as "only the owner makes admins": a
 * session's user, or a key's maker with the key's authority (the owner's keys
 * act as the owner, all others as an admin).
 */
export function actorOf(p: Principal): { role: UserInfo["role"]; id: string | null } {
  return p.kind === "session"
    ? { role: p.user.role, id: p.user.id }
    : { role: p.key.actsAs, id: p.key.createdBy };
}
