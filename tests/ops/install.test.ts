import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ensureBinary } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";
import {
  fakeBin,
  fakeBinary,
  INSTALL,
  type InstallOptions,
  OPENSSL_WHY,
  packArchive,
  type ReleaseServer,
  runInstall,
  SYSTEM_PATH,
  serveReleases,
  sha256Hex,
  TEST_KEY,
  writeRelease,
} from "./release.ts";

// Each install copies a ~110 MB binary; the first build of it takes longer still.
setDefaultTimeout(60_000);

const CURRENT = pkg.version;
const OLD = "0.0.9";

let binary = "";
let server: ReleaseServer;
/** Base URLs: the good release folder, and one whose newest linux-x64 archive does not match checksums.txt. */
let good = "";
let tampered = "";

beforeAll(() => {
  binary = ensureBinary("linux-x64");
  const releases = tempDir("fazt-releases-");
  const goodDir = join(releases, "good");
  writeRelease(goodDir, OLD, [{ target: "linux-x64", script: fakeBinary(OLD, "old") }]);
  writeRelease(goodDir, CURRENT, [
    { target: "linux-x64", binary },
    { target: "linux-arm64", script: fakeBinary(CURRENT, "fake-linux-arm64") },
    { target: "darwin-x64", script: fakeBinary(CURRENT, "fake-darwin-x64") },
    { target: "darwin-arm64", script: fakeBinary(CURRENT, "fake-darwin-arm64") },
    { target: "android-arm64", script: fakeBinary(CURRENT, "fake-android-arm64") },
  ]);

  const badDir = join(releases, "tampered");
  writeRelease(badDir, OLD, [{ target: "linux-x64", script: fakeBinary(OLD, "old") }]);
  const v = writeRelease(badDir, CURRENT, [{ target: "linux-x64", binary }]);
  // Same name, same checksums.txt, different bytes.
  packArchive(join(v, `fazt-${CURRENT}-linux-x64.tar.gz`), { script: fakeBinary(CURRENT, "evil") });

  server = serveReleases({
    good: { dir: goodDir, latest: CURRENT },
    tampered: { dir: badDir, latest: CURRENT },
  });
  good = `${server.url}/good`;
  tampered = `${server.url}/tampered`;
}, 300_000);

afterAll(() => {
  server?.stop();
  cleanupTemp();
});

/** install.sh against this file's release server, good release by default. */
const install = (args: string[], opts: InstallOptions) => runInstall(server, args, { base: good, ...opts });

function fakeUname(os: string, machine: string): string {
  return fakeBin({ uname: `case "$1" in -m) echo ${machine} ;; *) echo ${os} ;; esac` });
}

function run(file: string, args: string[], home: string): { code: number; stdout: string } {
  const p = Bun.spawnSync([file, ...args], { env: { HOME: home, PATH: SYSTEM_PATH }, cwd: home });
  return { code: p.exitCode, stdout: p.stdout.toString() };
}

const archive = (version: string, target: string) => `/download/v${version}/fazt-${version}-${target}.tar.gz`;

// Without openssl every install warns that it cannot check the signature: skip on a developer
// machine without it; under CI requireTool throws, and this file fails.
describe.skipIf(!requireTool("openssl", OPENSSL_WHY))("install.sh", () => {
  test("is POSIX sh: sh -n, dash -n, and checkbashisms/shellcheck when installed", () => {
    for (const shell of ["/bin/sh", Bun.which("dash")].filter(Boolean) as string[]) {
      const p = Bun.spawnSync([shell, "-n", INSTALL], { stderr: "pipe" });
      expect(p.stderr.toString()).toBe("");
      expect(p.exitCode).toBe(0);
    }
    const checkbashisms = Bun.which("checkbashisms");
    if (checkbashisms) {
      const p = Bun.spawnSync([checkbashisms, "-p", "-x", INSTALL], { stderr: "pipe" });
      expect(p.stderr.toString()).toBe("");
      expect(p.exitCode).toBe(0);
    }
    const shellcheck = Bun.which("shellcheck");
    if (shellcheck) {
      const p = Bun.spawnSync([shellcheck, "-s", "sh", INSTALL], { stdout: "pipe" });
      expect(p.stdout.toString()).toBe("");
      expect(p.exitCode).toBe(0);
    }
  });

  test("first install, piped as from curl: newest release into ~/.local/bin, with a PATH hint", async () => {
    const home = tempDir();
    const r = await install([], { home, piped: true });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);

    // checksums.txt, its signature and the archive through latest/download, which redirects to the version's folder.
    expect(r.fetched).toEqual([
      "/good/latest/download/checksums.txt",
      `/good/download/v${CURRENT}/checksums.txt`,
      "/good/latest/download/checksums.txt.sig",
      `/good/download/v${CURRENT}/checksums.txt.sig`,
      `/good/latest/download/fazt-${CURRENT}-linux-x64.tar.gz`,
      `/good${archive(CURRENT, "linux-x64")}`,
    ]);
    expect(r.stdout).toContain(`Signature of checksums.txt verified (Ed25519 key ${TEST_KEY.publicKey})`);

    const installed = join(home, ".local", "bin", "fazt");
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    expect(sha256Hex(readFileSync(installed))).toBe(sha256Hex(readFileSync(binary)));
    expect(readdirSync(join(home, ".local", "bin"))).toEqual(["fazt"]);
    const version = run(installed, ["version"], home);
    expect(version.code).toBe(0);
    expect(version.stdout).toStartWith(`fazt ${CURRENT} (`);

    expect(r.stdout).toContain(`Installed fazt ${CURRENT} to ${installed}`);
    expect(r.stdout).toContain(`${join(home, ".local", "bin")} is not on your PATH`);
    expect(r.stdout).toContain(`echo 'export PATH="$HOME/.local/bin:$PATH"' >> ~/.bashrc`);
    expect(r.stdout).toContain(`Next: ${installed} server start`);
  });

  test("re-running upgrades: --version 0.0.9, then the newest (fazt 0.0.9 → 0.1.0), then nothing to do", async () => {
    const home = tempDir();
    const dir = join(home, ".local", "bin");
    const installed = join(dir, "fazt");

    const old = await install(["--version", OLD], { home });
    expect(old.stderr).toBe("");
    expect(old.code).toBe(0);
    expect(old.fetched).toEqual([
      `/good/download/v${OLD}/checksums.txt`,
      `/good/download/v${OLD}/checksums.txt.sig`,
      `/good${archive(OLD, "linux-x64")}`,
    ]);
    expect(run(installed, ["version"], home).stdout).toBe(`fazt ${OLD} (old)\n`);

    const up = await install([], { home });
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(up.fetched).toContain(`/good${archive(CURRENT, "linux-x64")}`);
    expect(up.stdout).toContain(`Upgraded fazt ${OLD} → ${CURRENT} (${installed})`);
    expect(run(installed, ["version"], home).stdout).toStartWith(`fazt ${CURRENT} (`);
    expect(readdirSync(dir)).toEqual(["fazt"]);

    // Once more, with the folder on PATH: nothing changes and no PATH hint.
    const again = await install([], { home, pathBefore: [dir] });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`fazt ${CURRENT} is already installed in ${installed} (up to date)`);
    expect(again.stdout).not.toContain("not on your PATH");
    expect(again.stdout).toContain("Next: fazt server start");
  });

  test("a checksum mismatch stops with nothing installed and the old binary untouched", async () => {
    const home = tempDir();
    const dir = join(home, ".local", "bin");
    const installed = join(dir, "fazt");
    expect((await install(["--version", OLD], { home, base: tampered })).code).toBe(0);
    const before = readFileSync(installed);

    const r = await install([], { home, base: tampered });
    expect(r.code).not.toBe(0);
    expect(r.fetched).toContain(`/tampered${archive(CURRENT, "linux-x64")}`);
    expect(r.stderr).toContain(`checksum mismatch for fazt-${CURRENT}-linux-x64.tar.gz`);
    expect(r.stderr).toContain("nothing was installed");
    expect(r.stdout).not.toContain("Installed");
    expect(readFileSync(installed).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(["fazt"]);

    // And on a machine with no fazt yet, no folder content either.
    const fresh = tempDir();
    const r2 = await install([], { home: fresh, base: tampered });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain("checksum mismatch");
    expect(existsSync(join(fresh, ".local"))).toBe(false);
  });

  test("Termux: the android-arm64 build goes into $PREFIX/bin", async () => {
    const home = tempDir();
    const root = tempDir();
    const prefix = join(root, "data", "data", "com.termux", "files", "usr");
    mkdirSync(join(prefix, "bin"), { recursive: true });
    const r = await install([], {
      home,
      pathBefore: [fakeUname("Linux", "aarch64"), join(prefix, "bin")],
      env: { PREFIX: prefix, TERMUX_VERSION: "0.118.1" },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("android-arm64");
    expect(r.fetched).toContain(`/good${archive(CURRENT, "android-arm64")}`);
    expect(readFileSync(join(prefix, "bin", "fazt"), "utf8")).toContain("fake-android-arm64");
    expect(existsSync(join(home, ".local"))).toBe(false);
    expect(r.stdout).not.toContain("not on your PATH");
  });

  test("Termux is recognised by $PREFIX alone, and refused on a non-arm64 device", async () => {
    const root = tempDir();
    const prefix = join(root, "data", "data", "com.termux", "files", "usr");
    const ok = await install([], {
      home: tempDir(),
      pathBefore: [fakeUname("Linux", "aarch64")],
      env: { PREFIX: prefix },
    });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(prefix, "bin", "fazt"), "utf8")).toContain("fake-android-arm64");

    const x86 = await install([], { home: tempDir(), env: { PREFIX: prefix, TERMUX_VERSION: "0.118.1" } });
    expect(x86.code).not.toBe(0);
    expect(x86.stderr).toContain("Termux on x86_64 is not supported");
  });

  for (const machine of ["armv7l", "armv6l"]) {
    test(`32-bit ARM (${machine}) is refused, pointing to a 64-bit OS, before any download`, async () => {
      const home = tempDir();
      const r = await install([], { home, pathBefore: [fakeUname("Linux", machine)] });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`32-bit ARM system (${machine})`);
      expect(r.stderr).toContain("64-bit OS");
      expect(r.stderr).toContain("Raspberry Pi OS (64-bit)");
      expect(r.fetched).toEqual([]);
      expect(existsSync(join(home, ".local"))).toBe(false);
    });
  }

  test("macOS: Darwin arm64 picks darwin-arm64 (and x86_64 darwin-x64)", async () => {
    const home = tempDir();
    const r = await install([], { home, pathBefore: [fakeUname("Darwin", "arm64")] });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.fetched).toContain(`/good${archive(CURRENT, "darwin-arm64")}`);
    expect(readFileSync(join(home, ".local", "bin", "fazt"), "utf8")).toContain("fake-darwin-arm64");

    const intel = tempDir();
    const r2 = await install([], { home: intel, pathBefore: [fakeUname("Darwin", "x86_64")] });
    expect(r2.code).toBe(0);
    expect(r2.fetched).toContain(`/good${archive(CURRENT, "darwin-x64")}`);
    expect(readFileSync(join(intel, ".local", "bin", "fazt"), "utf8")).toContain("fake-darwin-x64");
  });

  test("Linux aarch64 picks linux-arm64", async () => {
    const home = tempDir();
    const r = await install([], { home, pathBefore: [fakeUname("Linux", "aarch64")] });
    expect(r.code).toBe(0);
    expect(r.fetched).toContain(`/good${archive(CURRENT, "linux-arm64")}`);
  });

  test("a 32-bit userland on a 64-bit kernel (Raspberry Pi OS 32-bit) is refused", async () => {
    const bin = fakeBin({
      uname: 'case "$1" in -m) echo aarch64 ;; *) echo Linux ;; esac',
      getconf: "echo 32",
    });
    const r = await install([], { home: tempDir(), pathBefore: [bin] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("userland is 32-bit");
    expect(r.stderr).toContain("Raspberry Pi OS (64-bit)");
    expect(r.fetched).toEqual([]);
  });

  test("musl (Alpine) is refused: the Linux builds need glibc", async () => {
    const home = tempDir();
    const ldd = fakeBin({ ldd: 'echo "musl libc (x86_64)" >&2\necho "Version 1.2.5" >&2\nexit 1' });
    const r = await install([], { home, pathBefore: [ldd] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("musl");
    expect(r.stderr).toContain("glibc");
    expect(r.fetched).toEqual([]);
  });

  test.each([
    ["FreeBSD", "amd64", "unsupported OS 'FreeBSD'"],
    ["MINGW64_NT-10.0", "x86_64", "WSL"],
    ["Linux", "i686", "32-bit x86"],
    ["Linux", "riscv64", "unsupported CPU 'riscv64'"],
  ])("%s %s is refused clearly", async (os, machine, message) => {
    const r = await install([], { home: tempDir(), pathBefore: [fakeUname(os, machine)] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
    expect(r.fetched).toEqual([]);
  });

  test("FAZT_INSTALL_DIR picks the folder; a v-prefixed --version works", async () => {
    const home = tempDir();
    const dir = join(tempDir(), "tools", "bin");
    const r = await install([`--version=v${OLD}`], { home, env: { FAZT_INSTALL_DIR: dir } });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "fazt"), "utf8")).toContain(`fazt ${OLD} (old)`);
    expect(existsSync(join(home, ".local"))).toBe(false);
    expect(r.stdout).toContain(`${dir} is not on your PATH`);
  });

  test("an unknown version, a bad argument: clear errors, nothing installed", async () => {
    const home = tempDir();
    const missing = await install(["--version", "9.9.9"], { home });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`could not download ${good}/download/v9.9.9/checksums.txt`);

    const bad = await install(["--frobnicate"], { home });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("unknown argument '--frobnicate'");

    const noValue = await install(["--version"], { home });
    expect(noValue.code).not.toBe(0);
    expect(noValue.stderr).toContain("--version needs a value");
    expect(existsSync(join(home, ".local"))).toBe(false);

    const help = await install(["--help"], { home });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("FAZT_INSTALL_DIR");
  });

  test("without curl it uses wget, and shasum without sha256sum", async () => {
    const wanted = [
      "wget",
      "shasum",
      "perl",
      "uname",
      "awk",
      "sed",
      "grep",
      "head",
      "wc",
      "tr",
      "mktemp",
      "rm",
      "mkdir",
      "tar",
      "gzip",
      "chmod",
      "cp",
      "mv",
      "cmp",
      "basename",
      "getconf",
      "ls",
      "cat",
    ];
    const haveWget = requireTool(
      "wget",
      "install.sh falls back to it without curl (Debian: apt-get install wget)",
    );
    const haveShasum = requireTool("shasum", "install.sh falls back to it without sha256sum (Debian: perl)");
    if (!haveWget || !haveShasum) return; // a developer machine without them; CI fails above instead
    const bin = tempDir("fazt-minbin-");
    for (const name of wanted) {
      const path = Bun.which(name, { PATH: SYSTEM_PATH });
      if (path) symlinkSync(path, join(bin, name));
    }
    // No openssl on this PATH: the signature cannot be checked, and the script says so.
    const home = tempDir();
    const r = await install([], { home, path: bin });
    expect(r.stderr).toBe(
      "fazt install: warning: cannot check the release signature on this machine (it needs openssl 3 with Ed25519); relying on the sha256 sums alone.\n",
    );
    expect(r.code).toBe(0);
    expect(r.fetched).toContain(`/good${archive(CURRENT, "linux-x64")}`);
    expect(r.fetched.some((p) => p.endsWith(".sig"))).toBe(false);
    expect(sha256Hex(readFileSync(join(home, ".local", "bin", "fazt")))).toBe(
      sha256Hex(readFileSync(binary)),
    );

    // With openssl as well: checked.
    symlinkSync(Bun.which("openssl", { PATH: SYSTEM_PATH })!, join(bin, "openssl"));
    const checked = await install([], { home: tempDir(), path: bin });
    expect(checked.stderr).toBe("");
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain("Signature of checksums.txt verified");
  });
});
