import { FaztError } from "../core/errors.ts";

export interface Meta {
  total: number;
  limit: number;
  offset: number;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** `{"data": …}` with an optional list `meta`. */
export function ok(
  data: unknown,
  init: { status?: number; meta?: Meta; headers?: HeadersInit } = {},
): Response {
  const body = init.meta ? { data, meta: init.meta } : { data };
  const headers = new Headers(init.headers);
  headers.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

/** The error envelope `{"error": {"code", "message", "details"?}}` for any thrown value. */
export function errorResponse(err: unknown, requestId?: string): Response {
  const e = err instanceof FaztError ? err : new FaztError("INTERNAL", "internal error", { cause: err });
  const body = e.toJSON() as { error: Record<string, unknown> };
  if (requestId && e.status >= 500) body.error.requestId = requestId;
  const headers = new Headers(e.headers);
  headers.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(body), { status: e.status, headers });
}
