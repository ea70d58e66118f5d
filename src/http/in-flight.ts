import type { Server } from "bun";
import type { Logger } from "../core/index.ts";
import { FaztError } from "../core/index.ts";
import type { Config } from "../db/index.ts";
import { closeGently } from "./close-gently.ts";
import { errorResponse } from "./envelope.ts";
import type { Handler } from "./handler.ts";
import { addressGroup, clientIp } from "./request/client-ip.ts";
import { requestIdOf } from "./request/request-id.ts";
import { applySecurityHeaders } from "./request/security-headers.ts";

export type InFlightLimits = Pick<Config, "maxRequestsPerIp" | "trustedProxies" | "https">;

/**
 * Caps the requests one client address has in flight (docs/limits.md). Bun
 * gives JavaScript no hook when a connection opens or closes, so this is the
 * bound that can be kept honestly: each request held open (a body still
 * arriving, an app handler still running) holds one connection, and past the
 * cap the next request from that address is answered 429 with
 * `Connection: close` before any of its work starts.
 *
 * Free on the static path: a response the handler returns synchronously was
 * never concurrent with another, so only requests answered asynchronously are
 * counted, and the client address (a native call, `clientIp`) is looked up
 * for those, or for every request only while `cap` or more are in flight in
 * total: below that no single address can be at the cap.
 */
export function capInFlight(handler: Handler, limits: () => InFlightLimits, log: Logger): Handler {
  const perIp = new Map<string, number>();
  let total = 0;
  // One warning per address per burst (until its count drops back to zero), not one per refusal.
  const warned = new Set<string>();

  const release = (ip: string) => {
    total--;
    const left = (perIp.get(ip) ?? 1) - 1;
    if (left > 0) perIp.set(ip, left);
    else {
      perIp.delete(ip);
      warned.delete(ip);
    }
  };

  const refuse = (req: Request, ip: string, config: InFlightLimits): Response => {
    const cap = config.maxRequestsPerIp;
    if (!warned.has(ip)) {
      warned.add(ip);
      log.warn("requests refused: too many in flight from one address", { ip, cap });
    }
    const res = errorResponse(
      new FaztError("RATE_LIMITED", `more than ${cap} requests in flight from your address; retry shortly`, {
        headers: { "retry-after": "1", connection: "close" },
      }),
    );
    res.headers.set("x-request-id", requestIdOf(req));
    applySecurityHeaders(res.headers, config.https);
    return closeGently(res);
  };

  return (req: Request, server: Server<undefined>): Response | Promise<Response> => {
    const config = limits();
    let ip: string | undefined;
    if (total >= config.maxRequestsPerIp) {
      ip = addressGroup(clientIp(req, server, config.trustedProxies));
      if ((perIp.get(ip) ?? 0) >= config.maxRequestsPerIp) return refuse(req, ip, config);
    }
    const res = handler(req, server);
    if (!(res instanceof Promise)) return res;
    const key = ip ?? addressGroup(clientIp(req, server, config.trustedProxies));
    perIp.set(key, (perIp.get(key) ?? 0) + 1);
    total++;
    return res.finally(() => release(key));
  };
}
