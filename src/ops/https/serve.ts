import { readFileSync, writeFileSync } from "node:fs";
import { directory } from "acme-client";
import type { Server } from "bun";
import type { Logger } from "../../core/index.ts";
import { FaztError, splitUrl } from "../../core/index.ts";
import type { Config, Store } from "../../db/index.ts";
import type { StoredCert } from "./acme.ts";
import { HttpsManager, type ManagerOptions } from "./manager.ts";

export interface HttpsServeOptions extends Partial<Omit<ManagerOptions, "acme">> {
  /** The ACME directory (default Let's Encrypt production; `FAZT_ACME_DIRECTORY` in `server start`). */
  directoryUrl?: string;
  /** Extra CA to trust for the ACME API (tests). */
  acmeCaPem?: string;
  /** The plain-HTTP listener for HTTP-01 and redirects (default 80). */
  httpPort?: number;
  /** How long a replaced TLS listener may take to finish its requests (default 30 s). */
  drainMs?: number;
}

/** What `Bun.serve` gets besides port and TLS: the same for every listener. */
export interface ListenOptions {
  hostname: string;
  idleTimeout: number;
  maxRequestBodySize: number;
  fetch: (req: Request, server: Server<undefined>) => Response | Promise<Response>;
  error: (err: Error) => Response;
}

export interface HttpsServing {
  manager: HttpsManager;
  /** The TLS listener serving now (replaced when a certificate changes), or the port-80 one before the first. */
  readonly server: Server<undefined>;
  /** The TLS port. */
  readonly port: number;
  readonly httpPort: number;
  stop(graceMs: number): Promise<void>;
}

/** What HTTPS uses of the server's context (http/context.ts), stated here: ops/ sits below http/. */
type ServerContext = { readonly store: Store; readonly config: Config; readonly log: Logger };

const CHALLENGE = "/.well-known/acme-challenge/";

function pathAndQuery(url: string): string {
  const { path, query } = splitUrl(url);
  return path + query;
}

/**
 * Linux drops the connections still queued on a SO_REUSEPORT listener when it
 * closes, unless `net.ipv4.tcp_migrate_req` (5.14+) hands them to a sibling.
 * Turned on when we may (root); otherwise a warning says what to set.
 */
function enableRequestMigration(log: Logger): void {
  const file = "/proc/sys/net/ipv4/tcp_migrate_req";
  try {
    if (readFileSync(file, "utf8").trim() === "1") return;
  } catch {
    return; // not Linux, or an older kernel: nothing to do
  }
  try {
    writeFileSync(file, "1");
    log.info("https: enabled net.ipv4.tcp_migrate_req for certificate hand-overs");
  } catch {
    log.warn(
      "https: set net.ipv4.tcp_migrate_req=1 (sysctl) so a certificate hand-over drops no queued connection",
    );
  }
}

function listenError(e: unknown, port: number): unknown {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "EADDRINUSE" || /in use/i.test(String(err.message))) {
    return new FaztError(
      "PORT_IN_USE",
      `port ${port} is already in use: is another fazt or web server running?`,
    );
  }
  if (err.code === "EACCES") {
    return new FaztError(
      "PORT_IN_USE",
      `not allowed to listen on port ${port}: run as a service (CAP_NET_BIND_SERVICE) or as root`,
    );
  }
  return e;
}

/**
 * HTTPS serving (docs/operations.md): a plain listener on port 80 answers ACME HTTP-01
 * tokens and redirects everything else to HTTPS (query kept); the TLS listener
 * on the configured port serves the usual handler with the current certificate.
 *
 * `Bun.serve` cannot change its certificate (`server.reload({ tls })` keeps the
 * old one: checked in Bun 1.4.5), so a new certificate is handed over: a new
 * listener with the new certificate binds the same port (`reusePort`), then the
 * old one stops accepting and drains its in-flight requests (`stop(false)`),
 * forced after `drainMs`. Until the first certificate exists, port 80 serves
 * the site itself (nothing to redirect to yet).
 */
export async function startHttps(
  ctx: ServerContext,
  listen: ListenOptions,
  port: number,
  opts: HttpsServeOptions = {},
): Promise<HttpsServing> {
  let tls: Server<undefined> | undefined;
  let tlsPort = port;
  const draining = new Set<Promise<void>>();
  const drainMs = opts.drainMs ?? 30_000;
  const httpPort = opts.httpPort ?? 80;

  const manager = new HttpsManager(
    ctx.store,
    () => ctx.config,
    ctx.log,
    {
      ...opts,
      acme: {
        directoryUrl: opts.directoryUrl ?? directory.letsencrypt.production,
        email: null,
        caPem: opts.acmeCaPem,
      },
    },
    (cert) => handOver(cert),
  );

  const handOver = (cert: StoredCert) => {
    const old = tls;
    if (old) enableRequestMigration(ctx.log);
    try {
      tls = Bun.serve({
        ...listen,
        port: tlsPort,
        reusePort: true,
        tls: { cert: cert.certPem, key: cert.keyPem },
      });
    } catch (e) {
      throw listenError(e, tlsPort);
    }
    tlsPort = tls.port ?? tlsPort;
    ctx.log.info("https: serving certificate", {
      names: cert.names,
      port: tlsPort,
      replaced: old !== undefined,
    });
    if (old) {
      const done = old.stop(false);
      const timer = setTimeout(() => void old.stop(true), drainMs);
      const p = done.finally(() => {
        clearTimeout(timer);
        draining.delete(p);
      });
      draining.add(p);
    }
  };

  let http: Server<undefined>;
  try {
    http = Bun.serve({
      ...listen,
      port: httpPort,
      fetch(req, server) {
        const target = pathAndQuery(req.url);
        if (target.startsWith(CHALLENGE)) {
          const q = target.indexOf("?");
          const answer = manager.tokens.answer(q < 0 ? target : target.slice(0, q));
          return answer === null
            ? new Response("not found\n", { status: 404, headers: { "content-type": "text/plain" } })
            : new Response(answer, { headers: { "content-type": "application/octet-stream" } });
        }
        if (!tls) return listen.fetch(req, server);
        const host = (req.headers.get("host") ?? ctx.config.domain).replace(/:\d+$/, "");
        const authority = tlsPort === 443 ? host : `${host}:${tlsPort}`;
        const status = req.method === "GET" || req.method === "HEAD" ? 301 : 308;
        return new Response(null, { status, headers: { location: `https://${authority}${target}` } });
      },
    });
  } catch (e) {
    throw listenError(e, httpPort);
  }

  try {
    await manager.start();
  } catch (e) {
    manager.stop();
    void http.stop(true);
    throw e;
  }
  return {
    manager,
    get server() {
      return tls ?? http;
    },
    get port() {
      return tlsPort;
    },
    httpPort: http.port ?? httpPort,
    async stop(graceMs) {
      manager.stop();
      const servers = tls ? [http, tls] : [http];
      const timer = setTimeout(() => {
        for (const s of servers) void s.stop(true);
      }, graceMs);
      await Promise.all([...servers.map((s) => s.stop(false)), ...draining]);
      clearTimeout(timer);
    },
  };
}
