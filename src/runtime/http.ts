import { appendLog } from "../apps/index.ts";
import type { UserInfo } from "../auth/index.ts";
import { withoutSessionCookie } from "../auth/index.ts";
import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { prefersHtml, type RewrittenUrl } from "../hosting/index.ts";
// The server's one body reader: counted while it streams (413 at the limit).
import { readBody, refusedCookie, refusedHeader, splitSetCookie } from "../web/index.ts";
import { errorWire } from "./failure.ts";
import type { Runtime } from "./runtime.ts";
import type { AppRef, WireFile, WireRequest, WireResponse, WireUser } from "./wire.ts";

export interface ApiLimits {
  /** JSON and text bodies (1 MiB by default: config `maxBodyBytes`). */
  maxBodyBytes: number;
  /** Multipart bodies (10 MiB by default: config `appMultipartBytes`). */
  maxMultipartBytes: number;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** An `Authorization` header carrying a Fazt API key: the instance's credential, never the app's. */
const FAZT_BEARER = /bearer\s+fazt_/i;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The request as app code sees it: lower-case headers without Fazt's
 * credentials (the session cookie, an API key), the body read once — as
 * text when it is valid UTF-8, else base64; a multipart body as its fields
 * and files. `rewritten`: a 200 rule sent the request here; the app sees the
 * target's path.
 */
export async function toWire(
  req: Request,
  limits: ApiLimits,
  rewritten?: RewrittenUrl,
): Promise<WireRequest> {
  const u = new URL(req.url);
  if (rewritten) {
    u.pathname = rewritten.path;
    u.search = rewritten.query;
  }
  const headers: Record<string, string> = {};
  req.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  if (headers.cookie !== undefined) {
    const cookie = withoutSessionCookie(headers.cookie);
    if (cookie) headers.cookie = cookie;
    else delete headers.cookie;
  }
  if (headers.authorization !== undefined && FAZT_BEARER.test(headers.authorization)) {
    delete headers.authorization;
  }
  const url = rewritten ? u.href : req.url;
  const wire: WireRequest = { method: req.method, url, path: u.pathname, headers, body: "" };
  if (req.method === "GET" || req.method === "HEAD") return wire;
  const type = (headers["content-type"] ?? "").toLowerCase();
  const multipart = type.startsWith("multipart/form-data");
  const bytes = await readBody(req, multipart ? limits.maxMultipartBytes : limits.maxBodyBytes);
  if (bytes.byteLength === 0) return wire;
  if (multipart) {
    wire.form = await readMultipart(bytes, headers["content-type"]!);
    return wire;
  }
  try {
    wire.text = utf8.decode(bytes);
  } catch {
    wire.body = b64(bytes);
  }
  return wire;
}

async function readMultipart(
  bytes: Uint8Array,
  contentType: string,
): Promise<NonNullable<WireRequest["form"]>> {
  const fd = await new Response(bytes as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": contentType },
  })
    .formData()
    .catch(() => {
      throw new FaztError("BAD_REQUEST", "the multipart body could not be read");
    });
  const fields: Record<string, string> = {};
  const files: WireFile[] = [];
  for (const [k, v] of fd.entries() as Iterable<[string, string | File]>) {
    if (typeof v === "string") fields[k] = v;
    else {
      const data = new Uint8Array(await v.arrayBuffer());
      files.push({
        field: k,
        name: v.name,
        type: v.type || "application/octet-stream",
        size: data.byteLength,
        data: b64(data),
      });
    }
  }
  return { fields, files };
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

/** Runs an app's handler for `/api/*` through `runtime.invoke` and builds the response. */
export async function runApi(
  runtime: Runtime,
  req: Request,
  app: AppRef,
  user: UserInfo | null,
  common: Record<string, string>,
  limits: ApiLimits,
  opts: { store: Store; rewritten?: RewrittenUrl | undefined },
): Promise<Response> {
  const wire = await toWire(req, limits, opts.rewritten);
  const requestId = common["x-request-id"] ?? "";
  const res = await runtime.invoke(
    app,
    {
      type: "request",
      req: wire,
      user: toWireUser(user),
      requestId,
      browser: prefersHtml(req.headers.get("accept")),
    },
    // Read only if the request has to wait for a worker: reading it makes Bun create the signal.
    {
      get signal() {
        return req.signal;
      },
    },
  );
  const warn = (message: string) => appendLog(opts.store, app.id, { level: "warn", message, requestId });
  return appResponse(req, res, common, warn);
}

/**
 * The handler's answer as an HTTP response. Headers an app may not send
 * (`web/header-policy.ts`) are dropped and `warn`ed about, so Fazt's own
 * values in `common` stand; each cookie goes out in its own `Set-Cookie`; a
 * status outside 200–599 (a 101 would hand the connection over) becomes 500.
 */
export function appResponse(
  req: Request,
  res: WireResponse,
  common: Record<string, string>,
  warn: (message: string) => void,
): Response {
  // A classic-style `respond("201", …)` carries a string: the number it names counts.
  let status = Number(res.status);
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    warn(`the handler answered status ${String(res.status)}, outside 200–599: 500 was sent instead`);
    const invalid = new FaztError("HANDLER_ERROR", "the app's code answered an invalid status");
    res = errorWire(invalid, common["x-request-id"] ?? "");
    status = res.status;
  }
  const headers: Record<string, string> = { ...common };
  const cookies: string[] = [];
  for (const key in res.headers) {
    const name = key.toLowerCase();
    const value = res.headers[key]!;
    if (name === "set-cookie") {
      for (const cookie of splitSetCookie(value)) {
        const refused = refusedCookie(cookie);
        if (refused === null) cookies.push(cookie);
        else warn(refused);
      }
      continue;
    }
    const refused = refusedHeader(name, value, common[name]);
    if (refused === null) headers[name] = value;
    else if (refused) warn(refused);
  }
  const body = res.text ?? Buffer.from(res.body ?? "", "base64");
  const noBody = req.method === "HEAD" || status === 204 || status === 304;
  let init: HeadersInit = headers;
  if (cookies.length > 0) {
    const all = new Headers(headers);
    for (const cookie of cookies) all.append("set-cookie", cookie);
    init = all;
  }
  return new Response(noBody ? null : body, { status, headers: init });
}
