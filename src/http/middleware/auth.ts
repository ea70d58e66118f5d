import type { MiddlewareHandler } from "hono";
import { type ApiKeyInfo, type KeyScope, verifyApiKey } from "../../auth/api-keys.ts";
import { FaztError } from "../../core/errors.ts";
import type { ServerContext } from "../context.ts";

export interface Principal {
  kind: "key";
  key: ApiKeyInfo;
}

export type AuthEnv = { Variables: { principal: Principal } };

/**
 * Requires an API key (sessions join with the accounts issue). An `admin` key
 * may do everything; a `deploy` key only what asks for `deploy`.
 */
export function requireAuth(ctx: ServerContext, scope: KeyScope): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const token = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    if (!token) {
      throw new FaztError(
        "UNAUTHORIZED",
        "authentication required: send an API key as `Authorization: Bearer …`",
        {
          headers: { "www-authenticate": 'Bearer realm="fazt"' },
        },
      );
    }
    const key = verifyApiKey(ctx.store, token);
    if (!key) {
      throw new FaztError("UNAUTHORIZED", "invalid API key", {
        headers: { "www-authenticate": 'Bearer realm="fazt", error="invalid_token"' },
      });
    }
    if (scope === "admin" && key.scope !== "admin") {
      throw new FaztError("FORBIDDEN", `this key's scope is "${key.scope}"; this needs an admin key`);
    }
    c.set("principal", { kind: "key", key });
    await next();
  };
}
