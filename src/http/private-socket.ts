import { chmodSync } from "node:fs";
import type { Server, SocketAddress } from "bun";
import { FaztError, splitUrl } from "../core/index.ts";
import { unreadBody } from "../web/index.ts";

/**
 * How a listener thread hands a request to the main thread: it proxies it,
 * as it came, over a private unix socket (http/listeners.ts makes it, mode
 * 0600 in a 0700 folder), body streamed both ways, nothing buffered. Chosen
 * over `postMessage` because the socket carries bodies of any size as
 * streams with backpressure, and the main thread's request handling stays
 * the one every other request takes.
 *
 * Two things only this socket carries, in headers it alone trusts (the
 * public port never reads them): the client's address, and which headers
 * `fetch` added that the client had not sent, so the main thread sees the
 * request exactly as the client sent it.
 */
const CLIENT_IP = "x-fazt-listener-client-ip";
const ABSENT = "x-fazt-listener-absent";
/** From the main thread back: the request asked for no idle timeout (a log stream). */
const NO_IDLE = "x-fazt-listener-no-idle";
/** What Bun's `fetch` adds to a request that lacks them. */
const ADDED_BY_FETCH = ["accept", "user-agent", "connection"];

/**
 * The public port's side: a client's own copy of the private headers is
 * dropped, so app code sees the same request whichever listener took it.
 */
export function dropPrivateHeaders(req: Request): void {
  if (req.headers.has(CLIENT_IP)) req.headers.delete(CLIENT_IP);
  if (req.headers.has(ABSENT)) req.headers.delete(ABSENT);
}

/** A listener's way to the main thread: the request proxied over `socketPath`. */
export function handOffTo(socketPath: string) {
  return async (req: Request, server: Server<undefined>): Promise<Response> => {
    const headers = new Headers(req.headers);
    headers.set(CLIENT_IP, server.requestIP(req)?.address ?? "unknown");
    const absent = ADDED_BY_FETCH.filter((h) => !headers.has(h));
    if (absent.length) headers.set(ABSENT, absent.join(","));
    else headers.delete(ABSENT);
    const { path, query } = splitUrl(req.url);
    let res: Response;
    try {
      res = await fetch(`http://fazt.internal${path}${query}`, {
        unix: socketPath,
        method: req.method,
        headers,
        body: unreadBody(req),
        redirect: "manual",
        signal: req.signal,
        // The answer's bytes go to the client as they are (compressed or not).
        decompress: false,
      } as RequestInit);
    } catch (err) {
      if (req.signal.aborted) return new Response(null, { status: 499 });
      // Answered like any other error of this listener: request id, common headers, a log line.
      throw new FaztError("UNAVAILABLE", "the server is restarting or overloaded; retry shortly", {
        headers: { "retry-after": "1" },
        cause: err,
      });
    }
    if (res.headers.has(NO_IDLE)) {
      server.timeout(req, 0);
      res.headers.delete(NO_IDLE);
    }
    return res;
  };
}

/**
 * The main thread's side: takes what a listener sent, restores the client's
 * view of the request, and gives the handler a `server` whose `requestIP` is
 * the client's (the per-address limits and the log need it).
 */
export function receiveHandOffs(
  socketPath: string,
  handler: (req: Request, server: Server<undefined>) => Response | Promise<Response>,
  maxRequestBodySize: number,
): Server<undefined> {
  const socket = Bun.serve({
    unix: socketPath,
    maxRequestBodySize,
    fetch(req, srv) {
      // The listener applies the client's idle timeout; this side waits as long as it does.
      srv.timeout(req, 0);
      const ip = req.headers.get(CLIENT_IP) ?? "unknown";
      const absent = req.headers.get(ABSENT);
      req.headers.delete(CLIENT_IP);
      req.headers.delete(ABSENT);
      if (absent) for (const h of absent.split(",")) req.headers.delete(h);
      let noIdle = false;
      const address: SocketAddress = { address: ip, family: ip.includes(":") ? "IPv6" : "IPv4", port: 0 };
      const client = Object.create(srv, {
        requestIP: { value: () => address },
        timeout: {
          value: (_r: Request, seconds: number) => {
            if (seconds === 0) noIdle = true;
          },
        },
      }) as Server<undefined>;
      const mark = (res: Response) => {
        if (noIdle) res.headers.set(NO_IDLE, "1");
        return res;
      };
      const res = handler(req, client);
      return res instanceof Promise ? res.then(mark) : mark(res);
    },
  });
  chmodSync(socketPath, 0o600);
  return socket;
}
