import type { Logger } from "../../core/log.ts";

/** One structured line per request (SPEC §11): method, host, path, status, ms, bytes, request id. */
export function logRequest(
  log: Logger,
  req: Request,
  res: Response,
  fields: { requestId: string; startedAt: number; host: string | null; ip?: string | undefined },
): void {
  const url = new URL(req.url);
  const length = res.headers.get("content-length");
  log.info("request", {
    method: req.method,
    host: fields.host,
    path: url.pathname,
    status: res.status,
    ms: Math.round((performance.now() - fields.startedAt) * 100) / 100,
    bytes: length === null ? null : Number(length),
    requestId: fields.requestId,
    ip: fields.ip,
  });
}
