import { readCookie, SESSION_COOKIE, sessionUser } from "../auth/index.ts";
import { FaztError } from "../core/index.ts";
import type { Common } from "../hosting/index.ts";
import { previewKey } from "../hosting/index.ts";
import type { ServerContext } from "./context.ts";
import { errorResponse } from "./envelope.ts";

/**
 * `vN--NAME.D` (docs/security.md): kept version N of app NAME, current or not, for
 * the signed-in owner and admins only. Signed out: 401, or for a browser a
 * redirect to sign in on this host and come back (as `/private` does);
 * a `user`: 403. Only a session admits: an API key in `Authorization` would
 * travel on to the version's own code under `/api`, which must never see one.
 *
 * Every answer, refusals too, says `X-Robots-Tag: noindex`, and nothing here
 * may be kept by a shared cache (`public` becomes `private`): it is not public.
 */
export async function servePreview(
  ctx: ServerContext,
  req: Request,
  target: { app: string; seq: number },
  common: Common,
  path: string,
  query: string,
): Promise<Response> {
  let res: Response;
  try {
    const refusal = gate(ctx, req, path + query);
    res = refusal ?? (await ctx.hosting.serve(req, previewKey(target.app, target.seq), common, path, query));
  } catch (err) {
    if (!(err instanceof FaztError)) {
      ctx.log.error("unhandled error", { requestId: common.requestId, error: String(err) });
    }
    res = errorResponse(err, common.requestId);
  }
  return unlisted(res);
}

function gate(ctx: ServerContext, req: Request, back: string): Response | null {
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  const user = token ? sessionUser(ctx.store, token) : null;
  if (user) {
    if (user.role === "owner" || user.role === "admin") return null;
    throw new FaztError("FORBIDDEN", "previews are for the owner and admins");
  }
  const accept = req.headers.get("accept") ?? "";
  if (/text\/html/.test(accept) && !/application\/json/.test(accept.split(",")[0] ?? "")) {
    return new Response(null, {
      status: 302,
      headers: { location: `/auth/login?redirect=${encodeURIComponent(back)}`, "content-length": "0" },
    });
  }
  throw new FaztError("UNAUTHORIZED", "sign in as an admin to see this preview");
}

function unlisted(res: Response): Response {
  let out = res;
  try {
    out.headers.set("x-robots-tag", "noindex");
  } catch {
    // Headers of some responses are immutable: copy it.
    out = new Response(res.body, res);
    out.headers.set("x-robots-tag", "noindex");
  }
  const cc = out.headers.get("cache-control") ?? "";
  out.headers.set(
    "cache-control",
    /\bpublic\b/i.test(cc)
      ? cc.replace(/\bpublic\b/i, "private")
      : /\b(private|no-store)\b/i.test(cc)
        ? cc
        : cc
          ? `private, ${cc}`
          : "private, no-cache",
  );
  return out;
}
