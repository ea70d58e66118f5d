/**
 * `fazt upgrade` and `POST /api/upgrade` against a local release folder in
 * GitHub's layout, served on loopback.
 *
 * The "newer" release (9.9.9) holds a small shell script named `fazt` that
 * answers `version --format json` with 9.9.9: building a second real binary
 * with another version would take a minute, and the upgrade only needs the new
 * file to run and report the version its archive claims. The upgrader itself
 * is always the real compiled binary, copied into a temp folder.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

const TARGET = "linux-x64";
const NEW = "9.9.9";
const fakeFazt = (version: string) =>
  `#!/bin/sh\nif [ "$1" = version ]; then echo '{"data":{"version":"${version}","commit":"fake"}}'; exit 0; fi\necho "fake fazt ${version}"\n`;

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

/** A `.tar.gz` holding one file `fazt`, made as build.ts makes it. */
function pack(contents: Uint8Array): Uint8Array {
  const staging = tempDir("fazt-pack-");
  writeFileSync(join(staging, "fazt"), contents, { mode: 0o755 });
  const out = join(tempDir("fazt-archive-"), "a.tar.gz");
  const p = Bun.spawnSync(["tar", "-czf", out, "-C", staging, "fazt"]);
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  return new Uint8Array(readFileSync(out));
}

interface Release {
  checksums: string;
  archives: Record<string, Uint8Array>;
}

function release(
  version: string,
  contents: Uint8Array,
  tamper?: (archive: Uint8Array) => Uint8Array,
): Release {
  const name = `fazt-${version}-${TARGET}.tar.gz`;
  const archive = pack(contents);
  // Other platforms' lines are there too, as in a real checksums.txt.
  const others = ["linux-arm64", "darwin-arm64"].map((t) => `${"0".repeat(64)}  fazt-${version}-${t}.tar.gz`);
  return {
    checksums: `${others[0]}\n${sha256(archive)}  ${name}\n${others[1]}\n`,
    archives: { [name]: tamper ? tamper(archive) : archive },
  };
}

let original: Uint8Array;
let fakeNew: Uint8Array;
let server: ReturnType<typeof Bun.serve>;
let raw: Bun.TCPSocketListener<undefined>;
const fetched: string[] = [];
const servers: ServerProcess[] = [];

/** Base URLs, one per scenario; each serves GitHub's layout. */
const base = (name: string) => `http://127.0.0.1:${server.port}/${name}`;

beforeAll(() => {
  const built = ensureBinary(TARGET);
  // A private copy: other test files may rebuild dist/ while this one runs.
  const keep = join(tempDir(), "fazt");
  copyFileSync(built, keep);
  original = new Uint8Array(readFileSync(keep));
  fakeNew = new TextEncoder().encode(fakeFazt(NEW));

  const latest = release(NEW, fakeNew);
  const current = release(pkg.version, original);
  const sites: Record<string, Record<string, Release>> = {
    good: { latest, [`v${NEW}`]: latest, "v8.8.8": release("8.8.8", fakeNew) /* says 9.9.9 inside */ },
    current: { latest: current },
    tampered: {
      latest: release(NEW, fakeNew, (a) => {
        const b = a.slice();
        b[b.length >> 1] = (b[b.length >> 1] ?? 0) ^ 0xff;
        return b;
      }),
    },
  };
  // Half an archive whose checksum entry matches the half: the sha256 passes, the archive does not.
  const half = pack(fakeNew);
  const halfArchive = half.slice(0, half.length >> 1);
  sites.halfsum = {
    latest: {
      checksums: `${sha256(halfArchive)}  fazt-${NEW}-${TARGET}.tar.gz\n`,
      archives: { [`fazt-${NEW}-${TARGET}.tar.gz`]: halfArchive },
    },
  };

  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      fetched.push(path);
      const m = /^\/([^/]+)\/(?:latest\/download|download\/(v[^/]+))\/([^/]+)$/.exec(path);
      const site = m ? sites[m[1]!] : undefined;
      const rel = site?.[m?.[2] ?? "latest"];
      if (!m || !rel) return new Response("not found", { status: 404 });
      if (m[3] === "checksums.txt") return new Response(rel.checksums);
      const archive = rel.archives[m[3]!];
      return archive ? new Response(Buffer.from(archive)) : new Response("not found", { status: 404 });
    },
  });

  // A server that promises the whole archive in Content-Length and hangs up halfway.
  const truncated = release(NEW, fakeNew);
  const archive = Object.values(truncated.archives)[0]!;
  raw = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        const line = new TextDecoder().decode(data).split("\r\n")[0] ?? "";
        const path = line.split(" ")[1] ?? "";
        if (path.endsWith("checksums.txt")) {
          const body = new TextEncoder().encode(truncated.checksums);
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
          socket.write(body);
        } else {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${archive.length}\r\nConnection: close\r\n\r\n`);
          socket.write(archive.subarray(0, archive.length >> 1));
        }
        socket.end();
      },
    },
  });
}, 300_000);

afterAll(() => {
  for (const s of servers) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  server?.stop(true);
  raw?.stop(true);
  cleanupTemp();
});

/** The real binary, copied into a fresh folder as `fazt`, with a private HOME. */
function install(): { dir: string; bin: string; home: string } {
  const dir = tempDir("fazt-bin-");
  const bin = join(dir, "fazt");
  writeFileSync(bin, original);
  chmodSync(bin, 0o755);
  return { dir, bin, home: tempDir() };
}

const bytes = (path: string) => new Uint8Array(readFileSync(path));

/** The folder holds the untouched binary and nothing else (no .previous, no staging left over). */
function expectUntouched(dir: string, bin: string): void {
  expect(Buffer.from(bytes(bin)).equals(Buffer.from(original))).toBe(true);
  expect(readdirSync(dir)).toEqual(["fazt"]);
}

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("fazt upgrade", () => {
  test("--check reports the current and the newest version; the base can come from the config", async () => {
    const { bin, home } = install();
    const r = await fazt(["upgrade", "--check", "--base-url", base("good")], { home, binary: bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(pkg.version);
    expect(r.stdout).toContain(NEW);
    expect(r.stdout).toContain("fazt upgrade");

    // `server set-config --release-base-url` is where `upgrade` looks without --base-url.
    expect((await fazt(["server", "init"], { home, binary: bin })).code).toBe(0);
    const set = await fazt(["server", "set-config", "--release-base-url", base("good")], {
      home,
      binary: bin,
    });
    expect(set.code).toBe(0);
    const j = await fazt(["upgrade", "--check", "--format", "json"], { home, binary: bin });
    expect(j.code).toBe(0);
    const { data } = JSON.parse(j.stdout) as {
      data: { current: string; available: string; upgrade: boolean };
    };
    expect(data).toMatchObject({ current: pkg.version, available: NEW, upgrade: true });

    const same = await fazt(["upgrade", "--check", "--base-url", base("current")], { home, binary: bin });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("up to date");
  });

  test("installs the newest release, keeps the previous binary as fazt.previous", async () => {
    const { dir, bin, home } = install();
    fetched.length = 0;
    const r = await fazt(["upgrade", "--base-url", base("good")], { home, binary: bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${pkg.version} → ${NEW}`);
    expect(r.stdout).toContain("fazt.previous");
    expect(r.stdout).toContain("Restart the server");
    expect(fetched).toEqual([
      "/good/latest/download/checksums.txt",
      `/good/latest/download/fazt-${NEW}-${TARGET}.tar.gz`,
    ]);
    expect(Buffer.from(bytes(bin)).equals(Buffer.from(fakeNew))).toBe(true);
    expect(Buffer.from(bytes(join(dir, "fazt.previous"))).equals(Buffer.from(original))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["fazt", "fazt.previous"]);
    // The new file is what runs now.
    const v = Bun.spawnSync([bin, "version", "--format", "json"]);
    expect(JSON.parse(v.stdout.toString()).data.version).toBe(NEW);
  });

  test("--version V fetches from download/vV", async () => {
    const { dir, bin, home } = install();
    fetched.length = 0;
    const r = await fazt(["upgrade", "--version", NEW, "--base-url", base("good")], { home, binary: bin });
    expect(r.code).toBe(0);
    expect(fetched).toEqual([
      `/good/download/v${NEW}/checksums.txt`,
      `/good/download/v${NEW}/fazt-${NEW}-${TARGET}.tar.gz`,
    ]);
    expect(existsSync(join(dir, "fazt.previous"))).toBe(true);
  });

  test("already on the newest release: nothing changes", async () => {
    const { dir, bin, home } = install();
    const r = await fazt(["upgrade", "--base-url", base("current")], { home, binary: bin });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("up to date");
    expectUntouched(dir, bin);
  });

  test("a tampered archive (checksum mismatch) leaves the old binary in place", async () => {
    const { dir, bin, home } = install();
    const r = await fazt(["upgrade", "--base-url", base("tampered")], { home, binary: bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("checksum mismatch");
    expect(r.stderr).toContain("nothing was changed");
    expectUntouched(dir, bin);
  });

  test("a download cut short leaves the old binary in place", async () => {
    const { dir, bin, home } = install();
    const r = await fazt(["upgrade", "--base-url", `http://127.0.0.1:${raw.port}/cut`], {
      home,
      binary: bin,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut short|download of .* failed/);
    expectUntouched(dir, bin);
  });

  test("half an archive with a checksum that matches it: refused as unreadable", async () => {
    const { dir, bin, home } = install();
    const r = await fazt(["upgrade", "--base-url", base("halfsum")], { home, binary: bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a readable \.tar\.gz|truncated or corrupt/);
    expectUntouched(dir, bin);
  });

  test("an archive whose binary reports another version than its name: refused", async () => {
    const { dir, bin, home } = install();
    const r = await fazt(["upgrade", "--version", "8.8.8", "--base-url", base("good")], {
      home,
      binary: bin,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`reports version ${NEW}, not 8.8.8`);
    expectUntouched(dir, bin);
  });

  test("a missing release and a bad --version are clear errors", async () => {
    const { dir, bin, home } = install();
    const missing = await fazt(["upgrade", "--version", "7.0.0", "--base-url", base("good")], {
      home,
      binary: bin,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no release at");
    const bad = await fazt(["upgrade", "--version", "latest!", "--base-url", base("good")], {
      home,
      binary: bin,
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--version");
    expectUntouched(dir, bin);
  });

  test("running from source refuses", async () => {
    const r = await fazt(["upgrade", "--base-url", base("good")], { home: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("running from source");
  });
});

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("POST /api/upgrade", () => {
  async function startInstance(env: Record<string, string> = {}) {
    const { dir, bin, home } = install();
    expect((await fazt(["server", "init"], { home, binary: bin })).code).toBe(0);
    const key = await fazt(["server", "create-key", "--name", "ops", "--format", "json"], {
      home,
      binary: bin,
    });
    const token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
    const srv = await startServerProcess([], { home, port: freePort(), binary: bin, env });
    servers.push(srv);
    const call = (body: unknown, auth = true) =>
      fetch(`http://127.0.0.1:${srv.port}/api/upgrade`, {
        method: "POST",
        headers: {
          host: "admin.localhost",
          "content-type": "application/json",
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    return { dir, bin, srv, call };
  }

  test("upgrades the running server's binary, refuses a tampered release and bad input", async () => {
    const { dir, bin, srv, call } = await startInstance();

    expect((await call({ baseUrl: base("good") }, false)).status).toBe(401);
    const unknown = await call({ baseUrl: base("good"), force: true });
    expect(unknown.status).toBe(400);

    const tampered = await call({ baseUrl: base("tampered") });
    expect(tampered.status).toBe(502);
    expect(((await tampered.json()) as { error: { message: string } }).error.message).toContain(
      "checksum mismatch",
    );
    expectUntouched(dir, bin);

    const res = await call({ baseUrl: base("good") });
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
    expect(String(body.data.message)).toContain("restart the server");
    expect(Buffer.from(bytes(bin)).equals(Buffer.from(fakeNew))).toBe(true);
    expect(Buffer.from(bytes(join(dir, "fazt.previous"))).equals(Buffer.from(original))).toBe(true);
    // Not under a service manager: the old process keeps serving until someone restarts it.
    const health = await fetch(`http://127.0.0.1:${srv.port}/health`, { headers: { host: "localhost" } });
    expect(health.status).toBe(200);
    expect(await srv.stop()).toBe(0);
  });

  test("under a service manager the server answers, then exits non-zero for Restart=on-failure", async () => {
    const { bin, srv, call } = await startInstance({ FAZT_SERVICE: "systemd" });
    const res = await call({ baseUrl: base("good") });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { restart: string; replaced: boolean } };
    expect(data).toMatchObject({ replaced: true, restart: "service" });
    expect(await srv.proc.exited).toBe(75);
    expect(Buffer.from(bytes(bin)).equals(Buffer.from(fakeNew))).toBe(true);
  });
});
