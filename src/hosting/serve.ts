import { FaztError } from "../core/errors.ts";
import { NOT_FOUND_HTML, WELCOME_HTML } from "./seeded-pages.ts";

const HTML = "text/html; charset=utf-8";

// Encoded once: these pages are on the hot path of every unknown host.
const encoder = new TextEncoder();
const WELCOME = encoder.encode(WELCOME_HTML);
const NOT_FOUND = encoder.encode(NOT_FOUND_HTML);

function htmlResponse(req: Request, body: Uint8Array<ArrayBuffer>, status: number): Response {
  const headers = {
    "content-type": HTML,
    "cache-control": "no-cache",
    "content-length": String(body.byteLength),
  };
  return new Response(req.method === "HEAD" ? null : body, { status, headers });
}

/**
 * Answers a request for an app host. Until apps can be deployed, only the
 * seeded `root` and `404` pages exist; every other name is not found.
 */
export function serveApp(req: Request, name: string | null): Response {
  if (req.method !== "GET" && req.method !== "HEAD") {
    throw new FaztError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here`, {
      headers: { allow: "GET, HEAD" },
    });
  }
  if (name === "root") return htmlResponse(req, WELCOME, 200);
  if (name === "404") return htmlResponse(req, NOT_FOUND, 200);
  return htmlResponse(req, NOT_FOUND, 404);
}
