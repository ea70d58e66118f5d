/**
 * `POST /api/upgrade` and the release settings of `PUT /api/system/config`,
 * on the real binary (built by build.ts with a test key compiled in) running
 * as a server process, against signed releases served on loopback
 * (docs/releases.md). Upgrading runs a new program as the server: only the
 * owner may, only from the configured base, only a release signed by a
 * trusted key.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { buildWithTestKey, newKeyPair, type SiteServer, serveSites, siteRelease } from "./release.ts";

setDefaultTimeout(60_000);

const TARGET = "linux-x64";
const NEW = "9.9.9";
const PASSWORD = "correct-horse-battery";
const fakeNew = new TextEncoder().encode(
  `#!/bin/sh\nif [ "$1" = version ]; then echo '{"data":{"version":"${NEW}","commit":"fake"}}'; exit 0; fi\n`,
);
const OTHER = newKeyPair();

let original: Uint8Array;
let sites: SiteServer;
const servers: ServerProcess[] = [];

beforeAll(() => {
  original = new Uint8Array(readFileSync(buildWithTestKey().binary));
  sites = serveSites({
    good: { latest: siteRelease(NEW, TARGET, fakeNew) },
    unsigned: { latest: siteRelease(NEW, TARGET, fakeNew, { sign: null }) },
    otherkey: { latest: siteRelease(NEW, TARGET, fakeNew, { sign: OTHER.seed }) },
  });
}, 300_000);

afterAll(() => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  sites?.stop();
  cleanupTemp();
});

const bytes = (path: string) => new Uint8Array(readFileSync(path));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

interface Caller {
  cookie?: string;
  token?: string;
}

/** An instance of the test-key binary: owner `admin`, releases from `site`, an owner's key. */
async function startInstance(site: string, env: Record<string, string> = {}) {
  const dir = tempDir("fazt-bin-");
  const bin = join(dir, "fazt");
  writeFileSync(bin, original);
  chmodSync(bin, 0o755);
  const home = tempDir();
  const run = (args: string[]) => fazt(args, { home, binary: bin });
  expect((await run(["server", "init", "--password", PASSWORD])).code).toBe(0);
  expect((await run(["server", "set-config", "--release-base-url", sites.base(site)])).code).toBe(0);
  const key = await run(["server", "create-key", "--name", "ops", "--format", "json"]);
  const ownerKey = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
  const srv = await startServerProcess([], { home, port: freePort(), binary: bin, env });
  servers.push(srv);

  const call = (method: string, path: string, body: unknown, who: Caller) =>
    fetch(`http://127.0.0.1:${srv.port}${path}`, {
      method,
      headers: {
        host: "admin.localhost",
        origin: "http://admin.localhost",
        "content-type": "application/json",
        ...(who.cookie ? { cookie: who.cookie } : {}),
        ...(who.token ? { authorization: `Bearer ${who.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const cookieOf = (res: Response) => /fazt_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];

  /** An admin (not the owner): invited by the owner, signed in, with a key of its own. */
  async function admin(): Promise<{ session: Caller; key: Caller }> {
    const login = await call("POST", "/api/login", { username: "admin", password: PASSWORD }, {});
    expect(login.status).toBe(200);
    const owner = { cookie: cookieOf(login)! };
    const invite = await call("POST", "/api/invites", { role: "admin" }, owner);
    expect(invite.status).toBe(201);
    const { code } = ((await invite.json()) as { data: { code: string } }).data;
    const redeemed = await call(
      "POST",
      `/auth/invite/${code}`,
      { email: "second@example.com", password: "another-good-password" },
      {},
    );
    expect(redeemed.status).toBe(201);
    const session = { cookie: cookieOf(redeemed)! };
    const made = await call("POST", "/api/keys", { name: "admin's key" }, session);
    expect(made.status).toBe(201);
    return { session, key: { token: ((await made.json()) as { data: { token: string } }).data.token } };
  }
  return { dir, bin, home, run, srv, call, owner: { token: ownerKey } as Caller, admin };
}

const messageOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string } }).error.message;

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("POST /api/upgrade", () => {
  test("owner only: an admin's session and an admin's key get 403; a baseUrl in the body is refused", async () => {
    const { dir, bin, srv, call, owner, admin } = await startInstance("good");
    const untouched = () => {
      expect(same(bytes(bin), original)).toBe(true);
      expect(readdirSync(dir)).toEqual(["fazt"]);
    };
    expect((await call("POST", "/api/upgrade", {}, {})).status).toBe(401);

    const a = await admin();
    for (const who of [a.session, a.key]) {
      const res = await call("POST", "/api/upgrade", {}, who);
      expect(res.status).toBe(403);
      expect(await messageOf(res)).toContain("only the owner may upgrade");
    }
    sites.fetched.length = 0;
    const withBase = await call("POST", "/api/upgrade", { baseUrl: sites.base("good") }, owner);
    expect(withBase.status).toBe(400);
    expect(await messageOf(withBase)).toContain("baseUrl: is not accepted over the API");
    expect((await call("POST", "/api/upgrade", { force: true }, owner)).status).toBe(400);
    expect(sites.fetched).toEqual([]);
    untouched();

    // The owner's key (made with the database in hand) upgrades, from the configured base.
    const res = await call("POST", "/api/upgrade", {}, owner);
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(res.status).toBe(200);
    expect(body.data).toMatchObject({
      replaced: true,
      current: pkg.version,
      available: NEW,
      binary: bin,
      previous: join(dir, "fazt.previous"),
      restart: "manual",
    });
    expect(sites.fetched).toEqual([
      "/good/latest/download/checksums.txt",
      "/good/latest/download/checksums.txt.sig",
      `/good/latest/download/fazt-${NEW}-${TARGET}.tar.gz`,
    ]);
    expect(String(body.data.message)).toContain("restart the server");
    expect(same(bytes(bin), fakeNew)).toBe(true);
    expect(same(bytes(join(dir, "fazt.previous")), original)).toBe(true);
    // Not under a service manager: the old process keeps serving until someone restarts it.
    const health = await fetch(`http://127.0.0.1:${srv.port}/health`, { headers: { host: "localhost" } });
    expect(health.status).toBe(200);
    expect(await srv.stop()).toBe(0);
  });

  test("unsigned and untrusted releases are refused; a key added on the machine is trusted at once", async () => {
    const { dir, bin, run, call, owner } = await startInstance("unsigned");
    const unsigned = await call("POST", "/api/upgrade", {}, owner);
    expect(unsigned.status).toBe(502);
    expect(await messageOf(unsigned)).toContain("this release is not signed");

    expect((await run(["server", "set-config", "--release-base-url", sites.base("otherkey")])).code).toBe(0);
    const untrusted = await call("POST", "/api/upgrade", {}, owner);
    expect(untrusted.status).toBe(502);
    expect(await messageOf(untrusted)).toContain("does not match any trusted release key");
    expect(same(bytes(bin), original)).toBe(true);
    expect(readdirSync(dir)).toEqual(["fazt"]);

    // On the machine's command line, while the server runs: the next request trusts it.
    expect((await run(["server", "set-config", "--release-public-key", OTHER.publicKey])).code).toBe(0);
    const res = await call("POST", "/api/upgrade", {}, owner);
    expect(res.status).toBe(200);
    expect(same(bytes(bin), fakeNew)).toBe(true);
  });

  test("under a service manager the server answers, then exits non-zero for Restart=on-failure", async () => {
    const { bin, srv, call, owner } = await startInstance("good", { FAZT_SERVICE: "systemd" });
    const res = await call("POST", "/api/upgrade", {}, owner);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { restart: string; replaced: boolean } };
    expect(data).toMatchObject({ replaced: true, restart: "service" });
    expect(await srv.proc.exited).toBe(75);
    expect(same(bytes(bin), fakeNew)).toBe(true);
  });
});

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("PUT /api/system/config", () => {
  test("never sets release keys; releaseBaseUrl is https (or loopback) and the owner's to change", async () => {
    const { call, owner, admin } = await startInstance("good");
    const config = async () =>
      (
        (await (await call("GET", "/api/system/config", undefined, owner)).json()) as {
          data: { releaseBaseUrl: string; releasePublicKeys: string[] };
        }
      ).data;
    const before = await config();
    expect(before).toMatchObject({ releaseBaseUrl: sites.base("good"), releasePublicKeys: [] });

    const a = await admin();
    for (const who of [owner, a.session, a.key]) {
      for (const keys of [[OTHER.publicKey], []]) {
        const res = await call("PUT", "/api/system/config", { releasePublicKeys: keys }, who);
        expect(res.status).toBe(403);
        expect(await messageOf(res)).toContain("never over the API");
      }
    }
    const plain = await call(
      "PUT",
      "/api/system/config",
      { releaseBaseUrl: "http://attacker.example/r" },
      owner,
    );
    expect(plain.status).toBe(400);
    expect(await messageOf(plain)).toContain("must be an https:// URL");
    for (const who of [a.session, a.key]) {
      const res = await call(
        "PUT",
        "/api/system/config",
        { releaseBaseUrl: "https://attacker.example/r" },
        who,
      );
      expect(res.status).toBe(403);
      expect(await messageOf(res)).toContain("only the owner may change releaseBaseUrl");
    }
    expect(await config()).toEqual(before);

    // The owner may point upgrades elsewhere (the signature still decides what is installed).
    const moved = await call("PUT", "/api/system/config", { releaseBaseUrl: "https://example.com/r" }, owner);
    expect(moved.status).toBe(200);
    expect((await config()).releaseBaseUrl).toBe("https://example.com/r");
  });
});
