import { FaztError } from "../core/index.ts";

export interface Meta {
  total: number;
  limit: number;
  offset: number;
}

const JSON_TYPE = "application/json; charset=utf-8";
const encoder = new TextEncoder();

/** A JSON response with its length known up front (the access log reports it). */
export function json(value: unknown, status = 200, init?: HeadersInit): Response {
  const bytes = encoder.encode(JSON.stringify(value));
  const headers = new Headers(init);
  headers.set("content-type", JSON_TYPE);
  headers.set("content-length", String(bytes.byteLength));
  return new Response(bytes, { status, headers });
}

/** `{"data": …}` with an optional list `meta`. */
export function ok(
  data: unknown,
  init: { status?: number; meta?: Meta; headers?: HeadersInit } = {},
): Response {
  return json(init.meta ? { data, meta: init.meta } : { data }, init.status ?? 200, init.headers);
}

/** The error envelope `{"error": {"code", "message", "details"?}}` for any thrown value. */
export function errorResponse(err: unknown, requestId?: string): Response {
  const e = err instanceof FaztError ? err : new FaztError("INTERNAL", "internal error", { cause: err });
  const body = e.toJSON() as { error: Record<string, unknown> };
  if (requestId && e.status >= 500) body.error.requestId = requestId;
  return json(body, e.status, e.headers);
}
