import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { connect } from "node:tls";
import type { Subprocess } from "bun";
import { createApiKey } from "../../src/auth/api-keys.ts";
import { createLogger } from "../../src/core/log.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { createContext, type RunningServer, type ServerContext, startServer } from "../../src/http/index.ts";
import { ACCOUNT_ROW, type HttpsManager, loadCert } from "../../src/ops/https/index.ts";
import { initInstance } from "../../src/ops/init.ts";
import { deployFiles } from "../helpers/deploy.ts";
import type { TestServer } from "../helpers/server.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";

// Automatic HTTPS (SPEC §11) against Debian's pebble ACME test server on loopback;
// pebble-challtestsrv answers its DNS queries with 127.0.0.1 for every name.
const why = "automatic HTTPS is tested against Debian's pebble ACME server (apt-get install pebble openssl)";
const havePebble =
  requireTool("pebble", why) && requireTool("pebble-challtestsrv", why) && requireTool("openssl", why);
const DOMAIN = "fazt.test";

let dir: string;
const procs: Subprocess[] = [];
let pebbleCa: string; // pebble's own API certificate (self-signed here)
let root: string; // the per-run root pebble issues from
let directoryUrl: string;
let httpPort: number;
let store: Store;
let ctx: ServerContext;
let running: RunningServer;
let adminToken: string;
const logs: Array<Record<string, unknown>> = [];

/** A request over TLS to 127.0.0.1 with SNI and Host set to `host`, trusting pebble's root only. */
function httpsFetch(host: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("host", host);
  return fetch(`https://127.0.0.1:${running.port}${path}`, {
    ...init,
    headers,
    redirect: "manual",
    tls: { ca: root, serverName: host },
  } as RequestInit);
}

/** The names on the certificate the TLS listener presents for `host` (verified against pebble's root). */
function servedNames(host: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port: running.port, servername: host, ca: root }, () => {
      const alt = sock.getPeerCertificate().subjectaltname ?? "";
      sock.end();
      resolve(alt.split(", ").map((s) => s.replace(/^DNS:/, "")));
    });
    sock.on("error", reject);
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      if (await ok()) return;
    } catch {}
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** What `deployFiles` (tests/helpers) needs: requests to the admin host over HTTPS. */
function overHttps(): TestServer {
  return {
    url: `https://127.0.0.1:${running.port}`,
    port: running.port,
    store,
    ctx,
    logs,
    adminToken,
    request: (path, init = {}) => {
      const { host, ...rest } = init;
      return httpsFetch(host ?? `admin.${DOMAIN}`, path, rest);
    },
    stop: async () => {},
  };
}

describe.skipIf(!havePebble)("automatic HTTPS with pebble", () => {
  beforeAll(async () => {
    dir = tempDir();
    // pebble's API certificate: the package ships none, so make one for localhost.
    const gen = Bun.spawnSync(
      [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        join(dir, "pebble.key"),
        "-out",
        join(dir, "pebble.crt"),
      ],
      { stderr: "pipe" },
    );
    if (gen.exitCode !== 0) throw new Error(`openssl: ${gen.stderr.toString()}`);
    pebbleCa = await Bun.file(join(dir, "pebble.crt")).text();

    const [acmePort, mgmtPort, dnsPort, chalMgmt, tlsAlpn] = [
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ];
    httpPort = freePort();
    procs.push(
      Bun.spawn(
        [
          "pebble-challtestsrv",
          "-dns01",
          `127.0.0.1:${dnsPort}`,
          "-http01",
          "",
          "-https01",
          "",
          "-tlsalpn01",
          "",
          "-management",
          `127.0.0.1:${chalMgmt}`,
          "-defaultIPv6",
          "",
          "-defaultIPv4",
          "127.0.0.1",
        ],
        { stdout: "ignore", stderr: "ignore" },
      ),
    );
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, "pebble.crt"),
        privateKey: join(dir, "pebble.key"),
        httpPort,
        tlsPort: tlsAlpn,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    };
    await Bun.write(join(dir, "pebble.json"), JSON.stringify(config));
    procs.push(
      Bun.spawn(["pebble", "-config", join(dir, "pebble.json"), "-dnsserver", `127.0.0.1:${dnsPort}`], {
        env: {
          ...process.env,
          PEBBLE_VA_NOSLEEP: "1",
          PEBBLE_VA_ALWAYS_VALID: "0",
          PEBBLE_WFE_NONCEREJECT: "0",
        },
        stdout: "ignore",
        stderr: "ignore",
      }),
    );
    directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    await waitFor(
      "pebble",
      async () => (await fetch(directoryUrl, { tls: { ca: pebbleCa } } as RequestInit)).ok,
    );
    root = await (
      await fetch(`https://127.0.0.1:${mgmtPort}/roots/0`, { tls: { ca: pebbleCa } } as RequestInit)
    ).text();
    expect(root).toContain("BEGIN CERTIFICATE");

    store = await openDatabase(join(dir, "data.db"));
    await initInstance(store, { config: { domain: DOMAIN, https: true }, password: "correct-horse-battery" });
    // An app before the first start: its alias is on the first certificate.
    const { deployFiles: deployDirect } = await import("../../src/deploy/index.ts");
    const { readConfig } = await import("../../src/db/config.ts");
    await deployDirect(store, readConfig(store), {
      name: "blog",
      spa: false,
      files: [{ path: "index.html", data: new TextEncoder().encode("<h1>blog</h1>") }],
    });
    // A reserved alias must never be certified.
    store.sqlite
      .query("INSERT INTO aliases (name, type, created_at, updated_at) VALUES ('held', 'reserved', 0, 0)")
      .run();
    ctx = createContext(
      store,
      createLogger((line) => logs.push(JSON.parse(line))),
    );
    running = await startServer(ctx, {
      port: 0,
      hostname: "127.0.0.1",
      https: { directoryUrl, acmeCaPem: pebbleCa, httpPort, debounceMs: 100, retryMs: 1000, drainMs: 5000 },
    });
    if (process.env.DEBUG_HTTPS) for (const l of logs) console.error(JSON.stringify(l));
    adminToken = createApiKey(store, { name: "test", scope: "admin" }).token;
  }, 60_000);

  afterAll(async () => {
    await running?.stop(2000);
    store?.close();
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    cleanupTemp();
  });

  test("obtains one certificate for D, admin.D and the app aliases, stored with the account key", async () => {
    const names = await servedNames(`blog.${DOMAIN}`);
    expect(names).toContain(DOMAIN);
    expect(names).toContain(`admin.${DOMAIN}`);
    expect(names).toContain(`blog.${DOMAIN}`);
    expect(names).not.toContain(`held.${DOMAIN}`);
    expect(names.some((n) => n.includes("localhost"))).toBe(false);
    const stored = loadCert(store, DOMAIN);
    expect(stored?.names.sort()).toEqual(names.sort());
    expect(stored!.expiresAt).toBeGreaterThan(Date.now() + 30 * 24 * 3600 * 1000);
    const account = store.sqlite
      .query<{ key_pem: string; cert_pem: string }, []>(
        `SELECT key_pem, cert_pem FROM certificates WHERE name = '${ACCOUNT_ROW}'`,
      )
      .get();
    expect(account?.key_pem).toContain("PRIVATE KEY");
    expect(account?.cert_pem).toStartWith("https://127.0.0.1");
  });

  test("serves the app over HTTPS with that certificate, with HSTS", async () => {
    const res = await httpsFetch(`blog.${DOMAIN}`, "/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<h1>blog</h1>");
    expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    const admin = await httpsFetch(`admin.${DOMAIN}`, "/health");
    expect(admin.status).toBe(200);
  });

  test("port 80 redirects to HTTPS keeping path and query", async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/a/b?x=1&y=%20z`, {
      headers: { host: `blog.${DOMAIN}` },
      redirect: "manual",
    });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe(`https://blog.${DOMAIN}:${running.port}/a/b?x=1&y=%20z`);
    const post = await fetch(`http://127.0.0.1:${httpPort}/api/x?q=1`, {
      method: "POST",
      headers: { host: `${DOMAIN}:80` },
      redirect: "manual",
    });
    expect(post.status).toBe(308);
    expect(post.headers.get("location")).toBe(`https://${DOMAIN}:${running.port}/api/x?q=1`);
  });

  test("the challenge path answers only known tokens", async () => {
    const manager = ctx.httpsManager as HttpsManager;
    manager.tokens.set("known-token", "known-token.thumbprint");
    const get = (token: string) =>
      fetch(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/${token}`, {
        headers: { host: "anything.example" },
        redirect: "manual",
      });
    const known = await get("known-token");
    expect(known.status).toBe(200);
    expect(await known.text()).toBe("known-token.thumbprint");
    const unknown = await get("other-token");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).not.toContain("thumbprint");
    manager.tokens.delete("known-token");
    expect((await get("known-token")).status).toBe(404);
  });

  test("a deployed app and a new alias get covered while HTTPS clients see zero failures", async () => {
    let ok = 0;
    const failures: string[] = [];
    let looping = true;
    const loop = async () => {
      while (looping) {
        try {
          const res = await httpsFetch(`blog.${DOMAIN}`, "/");
          const body = await res.text();
          if (res.status === 200 && body.includes("blog")) ok++;
          else failures.push(`status ${res.status}`);
        } catch (e) {
          failures.push(String(e));
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await Bun.sleep(200);
    const before = loadCert(store, DOMAIN)!;

    // A deploy of a new app (the deploy route's hook) …
    await deployFiles(overHttps(), "shop", { "index.html": "<h1>shop</h1>" });
    await waitFor("shop on the certificate", async () =>
      (await servedNames(`shop.${DOMAIN}`)).includes(`shop.${DOMAIN}`),
    );
    // … and an alias set through the API (the alias route's hook).
    const alias = await httpsFetch(`admin.${DOMAIN}`, "/api/aliases", {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "store", type: "app", app: "shop" }),
    });
    expect(alias.status).toBe(201);
    await waitFor("store on the certificate", async () =>
      (await servedNames(`store.${DOMAIN}`)).includes(`store.${DOMAIN}`),
    );
    await Bun.sleep(300);
    looping = false;
    await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(50);
    const after = loadCert(store, DOMAIN)!;
    expect(after.certPem).not.toBe(before.certPem);
    expect(after.names).toContain(`blog.${DOMAIN}`);
    const shop = await httpsFetch(`shop.${DOMAIN}`, "/");
    expect(await shop.text()).toContain("<h1>shop</h1>");
    const store2 = await httpsFetch(`store.${DOMAIN}`, "/");
    expect(await store2.text()).toContain("<h1>shop</h1>");
  }, 60_000);

  test("renews when less than 30 days remain, and not before", async () => {
    const manager = ctx.httpsManager as HttpsManager;
    expect(manager.reason()).toBeNull();
    const cert = manager.cert!;
    manager.cert = { ...cert, expiresAt: Date.now() + 29 * 24 * 3600 * 1000 };
    expect(manager.reason()).toBe("expires soon");
    await manager.check();
    expect(manager.cert!.certPem).not.toBe(cert.certPem);
    expect(manager.reason()).toBeNull();
    expect((await httpsFetch(`blog.${DOMAIN}`, "/")).status).toBe(200);
  }, 30_000);
});
