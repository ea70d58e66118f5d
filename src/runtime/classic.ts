/**
 * Classic style's `request` (docs/app-code.md): path, first query value per
 * key, headers, the body parsed by its type, uploaded files. Made in the
 * worker from the wire request, so module-style requests, which read their
 * body themselves, never pay for it.
 */
import type { WireFile, WireRequest } from "./wire.ts";

export interface ClassicRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON (the text when it does not parse), form fields, the text, or null without a body. */
  body: unknown;
  files: WireFile[];
}

export function classicRequest(wire: WireRequest): ClassicRequest {
  const query: Record<string, string> = {};
  for (const [k, v] of new URL(wire.url).searchParams) if (!(k in query)) query[k] = v;
  const type = (wire.headers["content-type"] ?? "").toLowerCase();
  let body: unknown = null;
  let files: WireFile[] = [];
  if (wire.form) {
    body = wire.form.fields;
    files = wire.form.files;
  } else {
    const text = wire.text ?? (wire.body ? Buffer.from(wire.body, "base64").toString("utf8") : "");
    if (text === "") body = null;
    else if (type.includes("json")) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      body = Object.fromEntries(new URLSearchParams(text));
    } else body = text;
  }
  return { method: wire.method, path: wire.path, query, headers: wire.headers, body, files };
}
