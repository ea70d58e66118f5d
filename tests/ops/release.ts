import { generateKeyPairSync } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  parseReleasePrivateKey,
  publicKeyBase64,
  SIGNATURE_FILE,
  signChecksums,
} from "../../src/ops/release-signature.ts";
import { ROOT } from "../helpers/cli.ts";
import { tempDir } from "../helpers/temp.ts";

/**
 * Local release folders laid out as GitHub's (`download/vV/…`, with
 * `latest/download/FILE` redirecting to the newest), served on loopback, and
 * signed by a test key (never the project's, whose private half lives only in
 * CI; docs/releases.md).
 */

/** A key pair for tests only: releases it signs are trusted by test builds alone. */
export const TEST_KEY = {
  publicKey: "f699xFhDKb00B4Fo//xpETdBN++jFn9A4ph10mhHBlQ=",
  /** FAZT_RELEASE_KEY format: base64 of the 32-byte seed. */
  seed: "0T+k8RXzU1UeDPcVBIyOoWK5TxmYJT4LxDhGuWvv0NY=",
};

/** A fresh key pair nobody trusts yet. */
export function newKeyPair(): { publicKey: string; seed: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  return { publicKey: publicKeyBase64(privateKey), seed: Buffer.from(der.subarray(16)).toString("base64") };
}

/** The text of `checksums.txt.sig` for `checksums`, signed with `seed`. */
export function signText(checksums: string | Uint8Array, seed: string): string {
  const bytes = typeof checksums === "string" ? new TextEncoder().encode(checksums) : checksums;
  return signChecksums(bytes, parseReleasePrivateKey(seed));
}

let testKeyBuild: { dir: string; binary: string } | undefined;

/**
 * The real build (build.ts) of linux-x64 with the test key compiled in and
 * used to sign, into a folder of its own: what CI does with the project's
 * key. Built once per test process (every test file here shares it).
 */
export function buildWithTestKey(): { dir: string; binary: string } {
  if (testKeyBuild) return testKeyBuild;
  const dir = mkdtempSync(join(tmpdir(), "fazt-test-key-build-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const p = Bun.spawnSync(
    [process.execPath, join(ROOT, "build.ts"), "--targets", "linux-x64", "--out", dir],
    {
      cwd: ROOT,
      env: { ...process.env, FAZT_RELEASE_PUBLIC_KEY: TEST_KEY.publicKey, FAZT_RELEASE_KEY: TEST_KEY.seed },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (p.exitCode !== 0) throw new Error(`build with the test key failed:\n${p.stderr.toString()}`);
  testKeyBuild = { dir, binary: join(dir, "fazt-linux-x64") };
  return testKeyBuild;
}

export function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** A `fazt` stand-in: a shell script answering `version` like the real binary. */
export function fakeBinary(version: string, tag: string): string {
  return `#!/bin/sh\nif [ "$1" = version ]; then echo "fazt ${version} (${tag})"; exit 0; fi\necho "fake fazt ${tag}"\n`;
}

/** `fazt-V-TARGET.tar.gz` holding one file `fazt` (from `binary`, a path, or `script`, its contents). */
export function packArchive(out: string, from: { binary?: string; script?: string }): void {
  const staging = tempDir("fazt-pack-test-");
  const file = join(staging, "fazt");
  if (from.binary) copyFileSync(from.binary, file);
  else writeFileSync(file, from.script ?? "");
  chmodSync(file, 0o755);
  const p = Bun.spawnSync(["tar", "-czf", out, "-C", staging, "fazt"], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`tar failed: ${p.stderr.toString()}`);
}

export interface Build {
  target: string;
  binary?: string;
  script?: string;
}

/**
 * Writes `ROOT/download/vVERSION/` with one archive per build, `checksums.txt`
 * and its signature by `signWith` (a seed; the test key by default, `null`
 * for an unsigned release).
 */
export function writeRelease(
  root: string,
  version: string,
  builds: Build[],
  signWith: string | null = TEST_KEY.seed,
): string {
  const dir = join(root, "download", `v${version}`);
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (const b of builds) {
    const name = `fazt-${version}-${b.target}.tar.gz`;
    packArchive(join(dir, name), b);
    lines.push(`${sha256Hex(readFileSync(join(dir, name)))}  ${name}`);
  }
  const checksums = `${lines.join("\n")}\n`;
  writeFileSync(join(dir, "checksums.txt"), checksums);
  if (signWith) writeFileSync(join(dir, SIGNATURE_FILE), signText(checksums, signWith));
  return dir;
}

export interface ReleaseServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  stop(): void;
}

/**
 * Serves `roots` (name → folder) as `http://127.0.0.1:PORT/NAME/…`; under each,
 * `latest/download/FILE` redirects (302, as GitHub does) to
 * `download/v<latest[NAME]>/FILE`.
 */
export function serveReleases(roots: Record<string, { dir: string; latest: string }>): ReleaseServer {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = decodeURIComponent(new URL(req.url).pathname);
      requests.push(path);
      const parts = path.split("/").filter(Boolean);
      const root = roots[parts[0] ?? ""];
      if (!root || parts.some((p) => p === ".." || p === "."))
        return new Response("not found", { status: 404 });
      const rest = parts.slice(1);
      if (rest[0] === "latest" && rest[1] === "download" && rest.length === 3) {
        const location = `/${parts[0]}/download/v${root.latest}/${rest[2]}`;
        return new Response(null, { status: 302, headers: { location } });
      }
      const file = Bun.file(join(root.dir, ...rest));
      if (rest[0] !== "download" || !(await file.exists())) return new Response("not found", { status: 404 });
      return new Response(file);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) };
}

/** One release as `fazt upgrade` tests serve it from memory. */
export interface SiteRelease {
  checksums: string;
  /** The text of `checksums.txt.sig`; none: the release is unsigned (404). */
  signature?: string;
  archives: Record<string, Uint8Array>;
}

/** A `.tar.gz` holding one file `fazt` with `contents`, made as build.ts makes it. */
export function packBytes(contents: Uint8Array): Uint8Array {
  const staging = tempDir("fazt-pack-");
  writeFileSync(join(staging, "fazt"), contents, { mode: 0o755 });
  const out = join(tempDir("fazt-archive-"), "a.tar.gz");
  const p = Bun.spawnSync(["tar", "-czf", out, "-C", staging, "fazt"]);
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  return new Uint8Array(readFileSync(out));
}

/**
 * Release `version` for `target` holding `contents` as `fazt`, its
 * checksums.txt listing other platforms too (as a real one does), signed with
 * `sign` (a seed; the test key by default; null: unsigned). `tamper` changes
 * the served archive after its sha256 was taken.
 */
export function siteRelease(
  version: string,
  target: string,
  contents: Uint8Array,
  opts: { sign?: string | null; tamper?: (archive: Uint8Array) => Uint8Array } = {},
): SiteRelease {
  const name = `fazt-${version}-${target}.tar.gz`;
  const archive = packBytes(contents);
  const others = ["linux-arm64", "darwin-arm64"].map((t) => `${"0".repeat(64)}  fazt-${version}-${t}.tar.gz`);
  const checksums = `${others[0]}\n${sha256Hex(archive)}  ${name}\n${others[1]}\n`;
  const sign = opts.sign === undefined ? TEST_KEY.seed : opts.sign;
  return {
    checksums,
    ...(sign ? { signature: signText(checksums, sign) } : {}),
    archives: { [name]: opts.tamper ? opts.tamper(archive) : archive },
  };
}

export interface SiteServer {
  /** `http://127.0.0.1:PORT/NAME`: a release base in GitHub's layout. */
  base(name: string): string;
  port: number;
  /** Paths requested so far, in order (clear it with `fetched.length = 0`). */
  fetched: string[];
  stop(): void;
}

/**
 * Serves `sites` (name → tag or "latest" → release) as
 * `/NAME/latest/download/FILE` and `/NAME/download/vV/FILE`; a site's
 * `redirect` answers every request with a 302 there.
 */
export function serveSites(
  sites: Record<string, Record<string, SiteRelease>>,
  redirects: Record<string, string> = {},
): SiteServer {
  const fetched: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      fetched.push(path);
      const m = /^\/([^/]+)\/(?:latest\/download|download\/(v[^/]+))\/([^/]+)$/.exec(path);
      if (m && redirects[m[1]!]) return Response.redirect(redirects[m[1]!]!, 302);
      const rel = m ? sites[m[1]!]?.[m[2] ?? "latest"] : undefined;
      if (!m || !rel) return new Response("not found", { status: 404 });
      if (m[3] === "checksums.txt") return new Response(rel.checksums);
      if (m[3] === SIGNATURE_FILE) {
        return rel.signature === undefined
          ? new Response("not found", { status: 404 })
          : new Response(rel.signature);
      }
      const archive = rel.archives[m[3]!];
      return archive ? new Response(Buffer.from(archive)) : new Response("not found", { status: 404 });
    },
  });
  return {
    base: (name) => `http://127.0.0.1:${server.port}/${name}`,
    port: server.port!,
    fetched,
    stop: () => server.stop(true),
  };
}

export const INSTALL = join(ROOT, "install.sh");
export const SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";
/** Checking signatures needs openssl 3 (Ed25519); CI installs it. */
export const OPENSSL_WHY = "install.sh checks release signatures with it (Debian: apt-get install openssl)";

export interface InstallRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Paths the release server was asked for during this run. */
  fetched: string[];
}

export interface InstallOptions {
  home: string;
  /** FAZT_INSTALL_BASE_URL. */
  base?: string;
  /** Folders put before the system PATH (fake `uname`, the install folder…). */
  pathBefore?: string[];
  /** Replaces PATH altogether. */
  path?: string;
  env?: Record<string, string>;
  /** Feed the script on stdin, as `curl … | sh -s -- ARGS` does. */
  piped?: boolean;
}

/** Runs install.sh as a user would, trusting the test key (`env` may say otherwise). */
export async function runInstall(
  server: ReleaseServer,
  args: string[],
  opts: InstallOptions & { base: string },
): Promise<InstallRun> {
  const before = server.requests.length;
  const env: Record<string, string> = {
    HOME: opts.home,
    PATH: opts.path ?? [...(opts.pathBefore ?? []), SYSTEM_PATH].join(":"),
    SHELL: "/bin/bash",
    FAZT_INSTALL_BASE_URL: opts.base,
    // The test releases are signed by the test key, not fazt's own.
    FAZT_INSTALL_PUBLIC_KEY: TEST_KEY.publicKey,
    ...opts.env,
  };
  const cmd = opts.piped ? ["/bin/sh", "-s", "--", ...args] : ["/bin/sh", INSTALL, ...args];
  const proc = Bun.spawn(cmd, {
    cwd: opts.home,
    env,
    stdin: opts.piped ? Bun.file(INSTALL) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr, fetched: server.requests.slice(before) };
}

/** A folder holding executable scripts, to put first on PATH. */
export function fakeBin(scripts: Record<string, string>): string {
  const dir = tempDir("fazt-fakebin-");
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}
