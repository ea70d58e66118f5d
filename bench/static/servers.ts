/**
 * The three servers of the static bench, each a foreground process with its
 * own config in a temp folder, on a free loopback port, never a system
 * service. nginx and Caddy serve a folder on disk; Fazt serves a deployed app.
 *
 * Settings are each server's production ones: nginx as Debian ships it plus
 * the usual static-site tuning (sendfile, tcp_nopush, keep-alive), Caddy's
 * plain `file_server`, Fazt as `fazt server start` runs. None compresses
 * (nginx: gzip is off; Caddy: no `encode`; Fazt: only when the client asks,
 * and wrk does not). nginx and Caddy write no access log (off / not enabled);
 * Fazt writes its structured line per request (SPEC §11 requires it), to a
 * file, as a service's output would go to a log.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Server, startServer } from "../lib.ts";

export interface StaticServer extends Server {
  name: string;
  /** Resident set size of the process and its children (nginx's workers), in KiB. */
  treeRssKiB(): number;
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may hold spaces or parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) kids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

function withTree(name: string, server: Server): StaticServer {
  return {
    ...server,
    name,
    treeRssKiB: () => rssOf(server.pid) + childrenOf(server.pid).reduce((n, kid) => n + rssOf(kid), 0),
  };
}

/** nginx serving `root`: `nginx -p DIR -c DIR/nginx.conf -e … -g 'daemon off;'`. */
export async function startNginx(bin: string, dir: string, root: string): Promise<StaticServer> {
  const port = freePort();
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "nginx.conf");
  const t = (name: string) => join(dir, name);
  writeFileSync(
    conf,
    `worker_processes auto;
pid ${t("nginx.pid")};
error_log ${t("error.log")} warn;

events {
  worker_connections 1024;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  # Bun and Caddy never close a keep-alive connection after N requests; nginx
  # does after 1,000 by default. Lifted so all three keep their connections.
  keepalive_requests 1000000;
  gzip off;
  server_tokens off;
  client_body_temp_path ${t("client_body")};
  proxy_temp_path ${t("proxy")};
  fastcgi_temp_path ${t("fastcgi")};
  uwsgi_temp_path ${t("uwsgi")};
  scgi_temp_path ${t("scgi")};

  server {
    listen 127.0.0.1:${port} default_server;
    server_name _;
    root ${root};
    location = /health {
      return 200 "ok\\n";
    }
  }
}
`,
  );
  const server = await startServer([bin, "-p", dir, "-c", conf, "-e", t("error.log"), "-g", "daemon off;"], {
    port,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    cwd: dir,
    logFile: t("stdout.log"),
  });
  return withTree("nginx", server);
}

/** Caddy serving `root`: `caddy run --config Caddyfile --adapter caddyfile`. */
export async function startCaddy(bin: string, dir: string, root: string): Promise<StaticServer> {
  const port = freePort();
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, "Caddyfile");
  // No `log` directive in the site: Caddy writes no access log. Admin API and
  // automatic HTTPS off; its autosave and data go under `dir`.
  writeFileSync(
    conf,
    `{
\tadmin off
\tauto_https off
}

:${port} {
\tbind 127.0.0.1
\troot * ${root}
\trespond /health 200
\tfile_server
}
`,
  );
  const server = await startServer([bin, "run", "--config", conf, "--adapter", "caddyfile"], {
    port,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
    },
    cwd: dir,
    logFile: join(dir, "caddy.log"),
  });
  return withTree("caddy", server);
}

export interface FaztServer extends StaticServer {
  /** An admin API key, for the deploy routes. */
  token: string;
  /** Where the server's stdout (the access log) goes. */
  logFile: string;
}

/** `fazt server start` on a fresh database, with an admin key minted beforehand. */
export async function startFazt(bin: string, dir: string): Promise<FaztServer> {
  const port = freePort();
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const db = join(dir, "fazt.db");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };
  const cli = (args: string[]) => {
    const p = Bun.spawnSync([bin, ...args, "--db", db], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`fazt ${args.join(" ")} failed:\n${p.stderr}${p.stdout}`);
    return p.stdout.toString();
  };
  cli(["server", "init", "--password", "bench-password-1"]);
  const created = JSON.parse(cli(["server", "create-key", "--name", "bench", "--format", "json"])) as {
    data: { token: string };
  };
  const logFile = join(dir, "fazt.log");
  const server = await startServer(
    [bin, "server", "start", "--listen", "127.0.0.1", "--port", String(port), "--db", db],
    { port, env, cwd: home, logFile },
  );
  return { ...withTree("fazt", server), token: created.data.token, logFile };
}

/** nginx's workers may run as `nobody`: the served tree must be readable by all. */
export function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}
