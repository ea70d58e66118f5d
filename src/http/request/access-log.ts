import type { Logger } from "../../core/index.ts";
import type { Config } from "../../db/index.ts";

/**
 * Query strings are never logged (OAuth codes, tokens; the caller passes the
 * path alone), and an invite code in the path is a secret too.
 */
const logged = (path: string) => (path.startsWith("/auth/invite/") ? "/auth/invite/[redacted]" : path);

// Strings that need no escaping inside JSON quotes (the usual host, always our paths).
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const str = (s: string | null) => (s === null ? "null" : PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * One structured line per request: method, host, path, status, ms, bytes,
 * request id (and the client address where it was looked up; the listener
 * thread's number when one answered, http/listeners.ts). The config's
 * `accessLog` limits it, read per request so a change applies at once:
 * `all`, `errors` (status 400 and above) or `off`.
 * Written by hand rather than through an object and `JSON.stringify`: this
 * runs for every request, and was a third of the static path's JavaScript
 * time otherwise. Strings from the client are escaped when they need it.
 */
export function logRequest(
  to: { log: Logger; config: Pick<Config, "accessLog">; listener?: number | undefined },
  method: string,
  path: string,
  status: number,
  bytes: number | null,
  requestId: string,
  startedAt: number,
  host: string | null,
  ip: string | undefined,
): void {
  const mode = to.config.accessLog;
  if (mode !== "all" && (mode === "off" || status < 400)) return;
  const { log } = to;
  const ms = Math.round((performance.now() - startedAt) * 100) / 100;
  log.write(
    `{"time":"${log.now()}","level":"info","msg":"request","method":${str(method)},"host":${str(host)},"path":${str(logged(path))},"status":${status},"ms":${ms},"bytes":${bytes === null ? "null" : bytes},"requestId":${str(requestId)}${ip === undefined ? "" : `,"ip":${str(ip)}`}${to.listener === undefined ? "" : `,"listener":${to.listener}`}}`,
  );
}
