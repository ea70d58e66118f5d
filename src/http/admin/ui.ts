import { readCookie, SESSION_COOKIE, sessionUser } from "../../auth/index.ts";
import { listAssets, sha256Hex } from "../../core/index.ts";
import type { Store } from "../../db/index.ts";
import { mimeOf } from "../../web/index.ts";
import { esc, htmlPage, page } from "../auth/pages/layout.ts";
import { ADMIN_CSP } from "../request/security-headers.ts";

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
  immutable: boolean;
}

/**
 * The admin single-page app, loaded once from the embedded build into memory
 * (it is small). Unknown paths without an extension get `index.html` so the
 * SPA can route them itself.
 */
export class AdminUi {
  private constructor(private readonly assets: Map<string, Asset>) {}

  static async load(): Promise<AdminUi> {
    const assets = new Map<string, Asset>();
    for (const [path, blob] of await listAssets("admin-ui")) {
      const body = new Uint8Array(await blob.arrayBuffer());
      assets.set(`/${path}`, {
        body,
        type: mimeOf(path),
        etag: `"${sha256Hex(body).slice(0, 32)}"`,
        immutable: path.startsWith("assets/"),
      });
    }
    return new AdminUi(assets);
  }

  get built(): boolean {
    return this.assets.has("/index.html");
  }

  /**
   * The UI's page goes to the owner and admins only (docs/security.md): signed out,
   * a redirect to sign-in that comes back here; signed in as a `user`, a
   * page that says so. Scripts and styles are served to anyone: they hold no
   * data, and the API they call checks every request.
   */
  serve(req: Request, pathname: string, store: Store): Response | null {
    let asset = this.assets.get(pathname === "/" ? "/index.html" : pathname);
    if (!asset && !/\.[a-z0-9]+$/i.test(pathname)) asset = this.assets.get("/index.html");
    if (!asset) return null;
    if (asset === this.assets.get("/index.html")) {
      const refused = gate(req, pathname, store);
      if (refused) return refused;
    }
    const headers = new Headers({
      "content-type": asset.type,
      etag: asset.etag,
      "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "content-security-policy": ADMIN_CSP,
      "x-frame-options": "DENY",
      "content-length": String(asset.body.byteLength),
    });
    if (req.headers.get("if-none-match") === asset.etag) return new Response(null, { status: 304, headers });
    return new Response(req.method === "HEAD" ? null : asset.body, { headers });
  }
}

/** Null when the viewer may see the UI; else the redirect to sign-in or the "not an admin" page. */
function gate(req: Request, pathname: string, store: Store): Response | null {
  const token = readCookie(req.headers.get("cookie"), SESSION_COOKIE);
  const user = token ? sessionUser(store, token) : null;
  if (!user) {
    const back = pathname + new URL(req.url).search;
    // `/` stays readable in the query (`?redirect=/`); everything else is encoded.
    const to = `/auth/login?redirect=${encodeURIComponent(back).replace(/%2F/gi, "/")}`;
    return new Response(null, { status: 302, headers: { location: to, "cache-control": "no-store" } });
  }
  if (user.role === "owner" || user.role === "admin") return null;
  const who = user.name || user.username || user.email || "this account";
  return htmlPage(
    page(
      "Not an admin",
      `<h1>Not an admin</h1>
<p>You are signed in as <strong>${esc(who)}</strong>, which is not an admin of this Fazt. The admin pages are for the owner and admins.</p>
<p>Ask the owner to make you an admin, or sign in with another account.</p>
<a class="button" href="/auth/logout">Sign out</a>`,
    ),
    403,
  );
}
