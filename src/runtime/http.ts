import { withoutSessionCookie } from "../auth/cookies.ts";
import type { UserInfo } from "../auth/users.ts";
import { FaztError } from "../core/errors.ts";
// The server's one body reader: counted while it streams (413 at the limit).
import { readBody } from "../http/body.ts";
import type { RuntimePool } from "./pool.ts";
import type { WireFile, WireRequest, WireUser } from "./wire.ts";

export interface ApiLimits {
  /** JSON and text bodies (SPEC §8: 1 MiB). */
  maxBodyBytes: number;
  /** Multipart bodies (SPEC §8: 10 MiB). */
  maxMultipartBytes: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** The request as app code sees it: lower-case headers without the session cookie, the body parsed once. */
export async function toWire(req: Request, limits: ApiLimits): Promise<WireRequest> {
  const url = new URL(req.url);
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  const cookie = withoutSessionCookie(headers.cookie ?? null);
  if (cookie) headers.cookie = cookie;
  else delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const type = (headers["content-type"] ?? "").toLowerCase();
  const multipart = type.startsWith("multipart/form-data");
  const limit = multipart ? limits.maxMultipartBytes : limits.maxBodyBytes;
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const bytes = hasBody ? await readBody(req, limit) : new Uint8Array(0);
  let parsed: unknown = null;
  const files: WireFile[] = [];
  let form: WireRequest["form"];
  if (bytes.byteLength > 0) {
    const text = () => new TextDecoder().decode(bytes);
    if (type.includes("json")) {
      try {
        parsed = JSON.parse(text());
      } catch {
        parsed = text();
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      parsed = Object.fromEntries(new URLSearchParams(text()));
    } else if (multipart) {
      const fd = await new Response(bytes, { headers: { "content-type": headers["content-type"]! } })
        .formData()
        .catch(() => {
          throw new FaztError("BAD_REQUEST", "the multipart body could not be read");
        });
      const fields: Record<string, string> = {};
      for (const [k, v] of fd.entries() as Iterable<[string, string | File]>) {
        if (typeof v === "string") fields[k] = v;
        else {
          const data = new Uint8Array(await v.arrayBuffer());
          const name = v.name;
          files.push({
            field: k,
            name,
            type: v.type || "application/octet-stream",
            size: data.byteLength,
            data: b64(data),
          });
        }
      }
      parsed = fields;
      form = { fields, files };
    } else parsed = text();
  }
  return {
    method: req.method,
    url: req.url,
    path: url.pathname,
    query,
    headers,
    body: b64(bytes),
    parsed,
    files,
    form,
  };
}

export function toWireUser(user: UserInfo | null): WireUser | null {
  if (!user) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    picture: user.picture,
    role: user.role,
    provider: null,
  };
}

/** Runs an app's handler for `/api/*` in a runtime worker and builds the response. */
export async function runApi(
  pool: RuntimePool,
  req: Request,
  app: { id: string; name: string; versionId: string },
  user: UserInfo | null,
  common: Record<string, string>,
  limits: ApiLimits,
): Promise<Response> {
  const wire = await toWire(req, limits);
  const accept = req.headers.get("accept") ?? "";
  const res = await pool.run({
    app,
    req: wire,
    user: toWireUser(user),
    requestId: common["x-request-id"] ?? "",
    browser: /text\/html/.test(accept),
  });
  const headers: Record<string, string> = { ...res.headers, ...common };
  const body = res.text ?? Buffer.from(res.body ?? "", "base64");
  const noBody = req.method === "HEAD" || res.status === 204 || res.status === 304;
  return new Response(noBody ? null : body, { status: res.status, headers });
}
