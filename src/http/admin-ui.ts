import { listAssets } from "../core/assets.ts";
import { sha256Hex } from "../core/crypto.ts";
import { mimeOf } from "../hosting/mime.ts";
import { ADMIN_CSP } from "./middleware/security-headers.ts";

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

  serve(req: Request, pathname: string): Response | null {
    let asset = this.assets.get(pathname === "/" ? "/index.html" : pathname);
    if (!asset && !/\.[a-z0-9]+$/i.test(pathname)) asset = this.assets.get("/index.html");
    if (!asset) return null;
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
