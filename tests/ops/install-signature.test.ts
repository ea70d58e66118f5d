/**
 * install.sh checks the Ed25519 signature of checksums.txt with openssl
 * (docs/releases.md): a good one goes on, a bad, forged or missing one stops
 * with nothing installed, and a machine that cannot check says so. The
 * releases hold a shell script as `fazt` (install.sh only runs `fazt version`),
 * signed by the test key unless said.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { DEFAULT_RELEASE_BASE_URL, PROJECT_RELEASE_PUBLIC_KEYS } from "../../src/core/release-source.ts";
import { ROOT } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";
import {
  fakeBin,
  fakeBinary,
  INSTALL,
  type InstallOptions,
  newKeyPair,
  OPENSSL_WHY,
  packArchive,
  type ReleaseServer,
  runInstall,
  serveReleases,
  sha256Hex,
  TEST_KEY,
  writeRelease,
} from "./release.ts";

setDefaultTimeout(60_000);

const CURRENT = pkg.version;
let server: ReleaseServer;
const base = (name: string) => `${server.url}/${name}`;
const install = (args: string[], opts: InstallOptions) =>
  runInstall(server, args, { base: base("good"), ...opts });

beforeAll(() => {
  const releases = tempDir("fazt-releases-");
  const other = newKeyPair();
  const sites: Record<string, { dir: string; latest: string }> = {};
  for (const [name, sign] of [
    ["good", TEST_KEY.seed],
    ["otherkey", other.seed],
    ["unsigned", null],
    ["badsig", TEST_KEY.seed],
    ["forged", TEST_KEY.seed],
  ] as const) {
    const dir = join(releases, name);
    const v = writeRelease(dir, CURRENT, [{ target: "linux-x64", script: fakeBinary(CURRENT, name) }], sign);
    sites[name] = { dir, latest: CURRENT };
    if (name === "badsig") writeFileSync(join(v, "checksums.txt.sig"), "bm90IGEgc2lnbmF0dXJl\n");
    if (name === "forged") {
      // What a compromised release host can do: a new archive and a checksums.txt to match, but no new signature.
      const evil = `fazt-${CURRENT}-linux-x64.tar.gz`;
      packArchive(join(v, evil), { script: fakeBinary(CURRENT, "evil") });
      writeFileSync(join(v, "checksums.txt"), `${sha256Hex(readFileSync(join(v, evil)))}  ${evil}\n`);
    }
  }
  server = serveReleases(sites);
});

afterAll(() => {
  server?.stop();
  cleanupTemp();
});

const installed = (home: string) => join(home, ".local", "bin", "fazt");

// Under CI requireTool throws without openssl, and this file fails; a developer machine skips.
describe.skipIf(!requireTool("openssl", OPENSSL_WHY))("install.sh checks the release signature", () => {
  test("a good signature by a trusted key: verified, then installed", async () => {
    const home = tempDir();
    const r = await install([], { home });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.fetched).toContain(`/good/download/v${CURRENT}/checksums.txt.sig`);
    expect(r.stdout).toContain(`Signature of checksums.txt verified (Ed25519 key ${TEST_KEY.publicKey})`);
    expect(readFileSync(installed(home), "utf8")).toContain(`fazt ${CURRENT} (good)`);
  });

  test("a signature by another key, a forged checksums.txt, a malformed signature: refused, nothing installed", async () => {
    for (const [site, message] of [
      ["otherkey", "the signature of checksums.txt does not match fazt's release key"],
      ["forged", "the signature of checksums.txt does not match fazt's release key"],
      ["badsig", "checksums.txt.sig is malformed"],
    ] as const) {
      const home = tempDir();
      const r = await install([], { home, base: base(site) });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("nothing was installed");
      expect(r.fetched.some((p) => p.endsWith(".tar.gz"))).toBe(false);
      expect(existsSync(join(home, ".local"))).toBe(false);
    }
  });

  test("without FAZT_INSTALL_PUBLIC_KEY only fazt's own key is trusted: a test-signed release is refused", async () => {
    const home = tempDir();
    const r = await install([], { home, env: { FAZT_INSTALL_PUBLIC_KEY: "" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("does not match fazt's release key");
    expect(existsSync(join(home, ".local"))).toBe(false);

    const bad = await install([], { home, env: { FAZT_INSTALL_PUBLIC_KEY: "not/a/key" } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("release public key 'not/a/key' is not base64 of 32 bytes");
  });

  test("an unsigned release is refused, unless FAZT_INSTALL_ALLOW_UNSIGNED=1", async () => {
    const home = tempDir();
    const r = await install([], { home, base: base("unsigned") });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("this release is not signed");
    expect(r.stderr).toContain("FAZT_INSTALL_ALLOW_UNSIGNED=1");
    expect(existsSync(join(home, ".local"))).toBe(false);

    const allowed = await install([], {
      home,
      base: base("unsigned"),
      env: { FAZT_INSTALL_ALLOW_UNSIGNED: "1" },
    });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain("installing it anyway because FAZT_INSTALL_ALLOW_UNSIGNED=1");
    expect(existsSync(installed(home))).toBe(true);
    // The escape hatch is for a missing signature only: a bad one is still refused.
    const forged = await install([], {
      home: tempDir(),
      base: base("forged"),
      env: { FAZT_INSTALL_ALLOW_UNSIGNED: "1" },
    });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain("does not match fazt's release key");
  });

  test("an openssl that cannot check Ed25519 (LibreSSL, 1.1): says so and goes on", async () => {
    const old = fakeBin({ openssl: 'echo "pkeyutl: Unknown option -rawin" >&2\nexit 1' });
    const home = tempDir();
    const r = await install([], { home, pathBefore: [old] });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("cannot check the release signature on this machine");
    expect(existsSync(installed(home))).toBe(true);
  });

  test("install.sh and the binary agree on where releases are and who signs them", () => {
    const script = readFileSync(INSTALL, "utf8");
    expect(script).toContain(`\nDEFAULT_BASE_URL="${DEFAULT_RELEASE_BASE_URL}"\n`);
    expect(script).toContain(`\nRELEASE_PUBLIC_KEYS="${PROJECT_RELEASE_PUBLIC_KEYS.join(" ")}"\n`);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain(DEFAULT_RELEASE_BASE_URL);
  });
});
