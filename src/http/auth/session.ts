import { Hono } from "hono/quick";
import { readCookie, SESSION_COOKIE, sessionUser } from "../../auth/index.ts";
import { FaztError } from "../../core/index.ts";
import type { ServerContext } from "../context.ts";
import type { RequestEnv } from "../env.ts";
import { ok } from "../envelope.ts";
import { assertSignInOrigin, readLogin, signIn, signOut, withCookies } from "./sign-in.ts";

/** `POST /api/login`, `POST /api/logout`, `GET /api/me` on the admin host (docs/admin-api.md). */
export function sessionRoutes(ctx: ServerContext): Hono<RequestEnv> {
  const app = new Hono<RequestEnv>();

  app.post("/login", async (c) => {
    assertSignInOrigin(c);
    const { user, cookie } = await signIn(c, ctx, await readLogin(c, ctx));
    return ok({ user }, { headers: { "set-cookie": cookie } });
  });

  app.post("/logout", (c) => ok({ signedOut: true }, { headers: withCookies(signOut(c, ctx)) }));

  app.get("/me", (c) => {
    const token = readCookie(c.req.header("cookie") ?? null, SESSION_COOKIE);
    const user = token ? sessionUser(ctx.store, token) : null;
    if (!user) throw new FaztError("UNAUTHORIZED", "not signed in");
    return ok({ user });
  });

  return app;
}
