/**
 * `fazt upgrade` against local releases in GitHub's layout, served on
 * loopback and signed (docs/releases.md). The upgrader is the real binary
 * built by build.ts with a test key compiled in (buildWithTestKey), copied into
 * a temp folder; `POST /api/upgrade` is in upgrade-api.test.ts.
 *
 * The "newer" release (9.9.9) holds a small shell script named `fazt` that
 * answers `version --format json` with 9.9.9: the upgrade only needs the new
 * file to run and report the version its archive claims.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ensureBinary, fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import {
  buildWithTestKey,
  newKeyPair,
  packBytes,
  type SiteRelease,
  type SiteServer,
  serveSites,
  sha256Hex,
  signText,
  siteRelease,
  TEST_KEY,
} from "./release.ts";

setDefaultTimeout(60_000);

const TARGET = "linux-x64";
const NEW = "9.9.9";
const fakeFazt = (version: string) =>
  `#!/bin/sh\nif [ "$1" = version ]; then echo '{"data":{"version":"${version}","commit":"fake"}}'; exit 0; fi\necho "fake fazt ${version}"\n`;

/** Nobody trusts this key until a test adds it with `server set-config --release-public-key`. */
const OTHER = newKeyPair();

let original: Uint8Array;
let fakeNew: Uint8Array;
let sites: SiteServer;
let raw: Bun.TCPSocketListener<undefined>;
const base = (name: string) => sites.base(name);

beforeAll(() => {
  original = new Uint8Array(readFileSync(buildWithTestKey().binary));
  fakeNew = new TextEncoder().encode(fakeFazt(NEW));
  const rel = (version: string, opts?: Parameters<typeof siteRelease>[3]) =>
    siteRelease(version, TARGET, fakeNew, opts);
  const latest = rel(NEW);
  const signed = rel(NEW);
  // checksums.txt pointing at another archive, the signature left as it was.
  const evil = packBytes(new TextEncoder().encode(fakeFazt(NEW).replace("fake", "evil")));
  const forged: SiteRelease = {
    checksums: signed.checksums.replace(/^[0-9a-f]{64}(?= {2}fazt-9\.9\.9-linux-x64)/m, sha256Hex(evil)),
    signature: signed.signature!,
    archives: { [`fazt-${NEW}-${TARGET}.tar.gz`]: evil },
  };
  // Half an archive whose checksum entry matches the half: the sha256 passes, the archive does not.
  const half = packBytes(fakeNew);
  const halfArchive = half.slice(0, half.length >> 1);
  const halfSums = `${sha256Hex(halfArchive)}  fazt-${NEW}-${TARGET}.tar.gz\n`;
  sites = serveSites(
    {
      good: { latest, [`v${NEW}`]: latest, "v8.8.8": rel("8.8.8") /* says 9.9.9 inside */ },
      current: { latest: siteRelease(pkg.version, TARGET, original) },
      tampered: {
        latest: rel(NEW, {
          tamper: (a) => {
            const b = a.slice();
            b[b.length >> 1] = (b[b.length >> 1] ?? 0) ^ 0xff;
            return b;
          },
        }),
      },
      halfsum: {
        latest: {
          checksums: halfSums,
          signature: signText(halfSums, TEST_KEY.seed),
          archives: { [`fazt-${NEW}-${TARGET}.tar.gz`]: halfArchive },
        },
      },
      unsigned: { latest: rel(NEW, { sign: null }) },
      otherkey: { latest: rel(NEW, { sign: OTHER.seed }) },
      forged: { latest: forged },
      badsig: { latest: { ...latest, signature: "not a signature\n" } },
    },
    { plainhttp: "http://example.com/releases/checksums.txt" },
  );

  // A server that promises the whole archive in Content-Length and hangs up halfway.
  const truncated = rel(NEW);
  const archive = Object.values(truncated.archives)[0]!;
  raw = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        const path = (new TextDecoder().decode(data).split("\r\n")[0] ?? "").split(" ")[1] ?? "";
        const small = path.endsWith(".sig") ? truncated.signature : truncated.checksums;
        if (path.endsWith(".sig") || path.endsWith("checksums.txt")) {
          const body = new TextEncoder().encode(small);
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
  sites?.stop();
  raw?.stop(true);
  cleanupTemp();
});

/** The test-key binary, copied into a fresh folder as `fazt`, with a private HOME. */
function install(binary: Uint8Array = original): { dir: string; bin: string; home: string } {
  const dir = tempDir("fazt-bin-");
  const bin = join(dir, "fazt");
  writeFileSync(bin, binary);
  chmodSync(bin, 0o755);
  return { dir, bin, home: tempDir() };
}

const bytes = (path: string) => new Uint8Array(readFileSync(path));

/** The folder holds the untouched binary and nothing else (no .previous, no staging left over). */
function expectUntouched(dir: string, bin: string, binary: Uint8Array = original): void {
  expect(Buffer.from(bytes(bin)).equals(Buffer.from(binary))).toBe(true);
  expect(readdirSync(dir)).toEqual(["fazt"]);
}

const linuxX64 = process.platform === "linux" && process.arch === "x64";

describe.skipIf(!linuxX64)("fazt upgrade", () => {
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
    sites.fetched.length = 0;
    const r = await fazt(["upgrade", "--base-url", base("good")], { home, binary: bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${pkg.version} → ${NEW}`);
    expect(r.stdout).toContain("fazt.previous");
    expect(r.stdout).toContain("Restart the server");
    expect(sites.fetched).toEqual([
      "/good/latest/download/checksums.txt",
      "/good/latest/download/checksums.txt.sig",
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
    sites.fetched.length = 0;
    const r = await fazt(["upgrade", "--version", NEW, "--base-url", base("good")], { home, binary: bin });
    expect(r.code).toBe(0);
    expect(sites.fetched).toEqual([
      `/good/download/v${NEW}/checksums.txt`,
      `/good/download/v${NEW}/checksums.txt.sig`,
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

  test("an unsigned release is refused before its archive is fetched; --check refuses it too", async () => {
    const { dir, bin, home } = install();
    for (const args of [["upgrade"], ["upgrade", "--check"]]) {
      sites.fetched.length = 0;
      const r = await fazt([...args, "--base-url", base("unsigned")], { home, binary: bin });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("this release is not signed (no checksums.txt.sig");
      expect(sites.fetched.some((p) => p.endsWith(".tar.gz"))).toBe(false);
    }
    expectUntouched(dir, bin);
  });

  test("a release signed by an untrusted key, forged checksums or a malformed signature: refused", async () => {
    const { dir, bin, home } = install();
    for (const site of ["otherkey", "forged"]) {
      sites.fetched.length = 0;
      const r = await fazt(["upgrade", "--base-url", base(site)], { home, binary: bin });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("does not match any trusted release key");
      expect(r.stderr).toContain("nothing was changed");
      expect(sites.fetched.some((p) => p.endsWith(".tar.gz"))).toBe(false);
    }
    const bad = await fazt(["upgrade", "--base-url", base("badsig")], { home, binary: bin });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("checksums.txt.sig of this release is malformed");
    expectUntouched(dir, bin);
  });

  test("a key added with `server set-config --release-public-key` is trusted, and can be removed", async () => {
    const { dir, bin, home } = install();
    expect((await fazt(["server", "init"], { home, binary: bin })).code).toBe(0);
    const bad = await fazt(["server", "set-config", "--release-public-key", "not-a-key"], {
      home,
      binary: bin,
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("base64 of its raw 32 bytes");

    const add = await fazt(
      ["server", "set-config", "--release-public-key", OTHER.publicKey, "--format", "json"],
      { home, binary: bin },
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout).data.releasePublicKeys).toEqual([OTHER.publicKey]);
    const check = await fazt(["upgrade", "--check", "--base-url", base("otherkey")], { home, binary: bin });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(NEW);

    // Removed again: refused again.
    const remove = await fazt(["server", "set-config", "--remove-release-public-key", OTHER.publicKey], {
      home,
      binary: bin,
    });
    expect(remove.code).toBe(0);
    const refused = await fazt(["upgrade", "--base-url", base("otherkey")], { home, binary: bin });
    expect(refused.stderr).toContain("does not match any trusted release key");
    expectUntouched(dir, bin);

    // Trusted for a real upgrade, on top of the compiled-in key.
    await fazt(["server", "set-config", "--release-public-key", OTHER.publicKey], { home, binary: bin });
    const r = await fazt(["upgrade", "--base-url", base("otherkey")], { home, binary: bin });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Buffer.from(bytes(bin)).equals(Buffer.from(fakeNew))).toBe(true);
  });

  test("http:// off loopback is refused as a base, in set-config, and as a redirect", async () => {
    const { dir, bin, home } = install();
    expect((await fazt(["server", "init"], { home, binary: bin })).code).toBe(0);
    for (const url of ["http://example.com/releases", "http://10.0.0.1/r", "ftp://127.0.0.1/r"]) {
      const up = await fazt(["upgrade", "--check", "--base-url", url], { home, binary: bin });
      expect(up.code).not.toBe(0);
      expect(up.stderr).toContain("--base-url: must be an https:// URL");
      const set = await fazt(["server", "set-config", "--release-base-url", url], { home, binary: bin });
      expect(set.code).not.toBe(0);
      expect(set.stderr).toContain("must be an https:// URL");
    }
    for (const url of [
      "https://example.com/r",
      "http://127.0.0.9:1/r",
      "http://[::1]:1/r",
      "http://localhost:1/r",
    ]) {
      const set = await fazt(["server", "set-config", "--release-base-url", url, "--format", "json"], {
        home,
        binary: bin,
      });
      expect(set.stderr).toBe("");
      expect(JSON.parse(set.stdout).data.releaseBaseUrl).toBe(url);
    }
    const redirected = await fazt(["upgrade", "--base-url", base("plainhttp")], { home, binary: bin });
    expect(redirected.code).toBe(1);
    expect(redirected.stderr).toContain("redirects to http://example.com/releases/checksums.txt");
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

  test("the default build trusts the project's key only: a test-signed release is refused", async () => {
    const projectBuild = new Uint8Array(readFileSync(ensureBinary(TARGET)));
    const { dir, bin, home } = install(projectBuild);
    const r = await fazt(["upgrade", "--base-url", base("good")], { home, binary: bin });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not match any trusted release key");
    expectUntouched(dir, bin, projectBuild);
  });

  test("running from source refuses", async () => {
    const r = await fazt(["upgrade", "--base-url", base("good")], { home: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("running from source");
  });
});
