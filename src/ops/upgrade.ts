/**
 * `fazt upgrade` and `POST /api/upgrade` (SPEC §11): fetch the release for
 * this platform, check its sha256 against `checksums.txt`, check the new
 * binary runs and reports the version it claims, then swap it in with one
 * `rename` — the old binary kept as `<name>.previous`. Every failure before
 * that rename leaves the installed binary untouched.
 */
import {
  accessSync,
  chmodSync,
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  mkdtempSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { VERSION } from "../core/build-info.ts";
import { FaztError } from "../core/errors.ts";

/** Where releases live when neither `--base-url` nor the `releaseBaseUrl` config says otherwise. */
export const DEFAULT_RELEASE_BASE_URL = "https://github.com/fazt-sh/fazt/releases";
/** No release archive is anywhere near this; a bigger answer is not a release. */
export const MAX_ARCHIVE_BYTES = 300 * 1024 * 1024;
const MAX_BINARY_BYTES = 600 * 1024 * 1024;
const MAX_CHECKSUMS_BYTES = 1024 * 1024;
/** A download may take this long in all, and may stall for at most IDLE_MS. */
const DOWNLOAD_MS = 15 * 60 * 1000;
const IDLE_MS = 60 * 1000;

export type Platform = "linux-x64" | "linux-arm64" | "darwin-x64" | "darwin-arm64" | "android-arm64";

/** Termux: Bun reports `linux` there; its `$PREFIX` gives it away (as install.sh checks). */
export function isTermux(env: Record<string, string | undefined> = process.env): boolean {
  return (env.PREFIX ?? "").startsWith("/data/data/com.termux");
}

export function detectPlatform(
  platform: string = process.platform,
  arch: string = process.arch,
  env: Record<string, string | undefined> = process.env,
): Platform {
  const os = platform === "android" || (platform === "linux" && isTermux(env)) ? "android" : platform;
  const name = `${os}-${arch}`;
  const known: Platform[] = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "android-arm64"];
  if (!(known as string[]).includes(name)) {
    throw new FaztError("UNAVAILABLE", `no fazt release is built for ${name} (known: ${known.join(", ")})`);
  }
  return name as Platform;
}

/** `BASE/latest/download/` for the newest release, `BASE/download/vV/` for version V (GitHub's layout). */
export function releaseDir(base: string, version?: string): string {
  const b = base.replace(/\/+$/, "");
  return version ? `${b}/download/v${version.replace(/^v/, "")}/` : `${b}/latest/download/`;
}

export interface ReleaseEntry {
  version: string;
  archive: string;
  sha256: string;
}

/** Finds this platform's archive in a `sha256sum`-format `checksums.txt`; the version comes from its name. */
export function parseChecksums(text: string, platform: Platform): ReleaseEntry {
  const suffix = `-${platform}.tar.gz`;
  const found: ReleaseEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](\S+)$/.exec(line.trim());
    if (!m) continue;
    const archive = m[2]!;
    if (!archive.startsWith("fazt-") || !archive.endsWith(suffix)) continue;
    const version = archive.slice("fazt-".length, -suffix.length);
    if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(version)) continue;
    found.push({ version, archive, sha256: m[1]!.toLowerCase() });
  }
  if (found.length === 0) {
    throw new FaztError("UNAVAILABLE", `checksums.txt of this release lists no archive for ${platform}`);
  }
  if (found.length > 1) {
    throw new FaztError(
      "UNAVAILABLE",
      `checksums.txt lists ${found.length} archives for ${platform}; expected one`,
    );
  }
  return found[0]!;
}

/** -1, 0 or 1, comparing `1.2.3` style versions (a pre-release sorts before its release). */
export function compareVersions(a: string, b: string): number {
  const split = (s: string) => {
    const [core = "", pre] = s.replace(/^v/, "").split(/-(.*)/s);
    return {
      nums: core
        .split("+")[0]!
        .split(".")
        .map((n) => Number(n) || 0),
      pre,
    };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** True when this process is a compiled fazt binary, not `bun src/main.ts`. */
export function isCompiled(): boolean {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN");
}

/** Downloads `url` into memory within a size limit; a short or stalled answer is an error. */
export async function download(
  url: string,
  maxBytes: number,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  const abort = new AbortController();
  const total = setTimeout(() => abort.abort(new Error("timed out")), DOWNLOAD_MS);
  let idle = setTimeout(() => abort.abort(new Error("stalled")), IDLE_MS);
  const fail = (why: string, cause?: unknown) =>
    new FaztError("UNAVAILABLE", `download of ${url} failed: ${why}`, { status: 502, cause });
  try {
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: abort.signal, redirect: "follow" });
    } catch (e) {
      throw fail(e instanceof Error ? e.message : String(e), e);
    }
    if (res.status === 404) throw new FaztError("NOT_FOUND", `no release at ${url} (404)`);
    if (!res.ok || !res.body) throw fail(`HTTP ${res.status}`);
    const declared = res.headers.get("content-length");
    const expected = declared === null ? undefined : Number(declared);
    if (expected !== undefined && expected > maxBytes)
      throw fail(`${expected} bytes is more than ${maxBytes}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        throw fail(`cut short after ${size} bytes (${e instanceof Error ? e.message : String(e)})`, e);
      }
      if (step.done) break;
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error("stalled")), IDLE_MS);
      size += step.value.byteLength;
      if (size > maxBytes) {
        abort.abort();
        throw fail(`more than ${maxBytes} bytes`);
      }
      chunks.push(step.value);
    }
    if (expected !== undefined && size !== expected) throw fail(`cut short: ${size} of ${expected} bytes`);
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

/**
 * The one regular file `fazt` out of a release `.tar.gz` (ustar/GNU/pax), parsed
 * here rather than by a `tar` binary so that nothing but a plain file can come out.
 */
export function extractFazt(archive: Uint8Array): Uint8Array {
  let tar: Uint8Array;
  try {
    tar = new Uint8Array(gunzipSync(archive, { maxOutputLength: MAX_BINARY_BYTES + 1024 * 1024 }));
  } catch (e) {
    throw new FaztError("UNAVAILABLE", "the release archive is not a readable .tar.gz", {
      status: 502,
      cause: e,
    });
  }
  const text = (from: number, len: number) => {
    const slice = tar.subarray(from, from + len);
    const nul = slice.indexOf(0);
    return new TextDecoder().decode(nul < 0 ? slice : slice.subarray(0, nul));
  };
  let found: Uint8Array | undefined;
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(off + 124, 12).trim() || "0", 8);
    if (!Number.isSafeInteger(size) || size < 0 || off + 512 + size > tar.length) {
      throw new FaztError("UNAVAILABLE", "the release archive is truncated or corrupt", { status: 502 });
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const at = off;
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = new TextDecoder().decode(body).replace(/\0.*$/s, "");
      continue;
    }
    if (type === "x") {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(body));
      paxPath = m?.[1];
      continue;
    }
    if (type === "g") continue;
    // Only POSIX ustar has a name prefix there; GNU tar keeps times in those bytes.
    const posix = text(at + 257, 6) === "ustar" && tar[at + 262] === 0;
    const prefix = posix ? text(at + 345, 155) : "";
    const raw = text(at, 100);
    const name = (paxPath ?? longName ?? (prefix ? `${prefix}/${raw}` : raw)).replace(/^\.\//, "");
    longName = undefined;
    paxPath = undefined;
    if (name === "" || name === "." || name === "./") continue;
    if (name !== "fazt" || (type !== "0" && type !== "\0")) {
      throw new FaztError(
        "UNAVAILABLE",
        `the release archive holds "${name}"; expected one file named fazt`,
        {
          status: 502,
        },
      );
    }
    if (found) throw new FaztError("UNAVAILABLE", "the release archive holds fazt twice", { status: 502 });
    found = body;
  }
  if (!found || found.byteLength === 0) {
    throw new FaztError("UNAVAILABLE", "the release archive holds no fazt binary", { status: 502 });
  }
  return found;
}

export interface UpgradeOptions {
  /** `--base-url` > config `releaseBaseUrl` > DEFAULT_RELEASE_BASE_URL, decided by the caller. */
  baseUrl: string;
  /** A specific version; the newest release otherwise. */
  version?: string | undefined;
  /** The binary to replace (default: this process's). */
  target?: string;
  platform?: Platform;
  fetch?: typeof fetch;
}

export interface UpgradeCheck {
  current: string;
  available: string;
  platform: Platform;
  /** Whether `upgrade` would install something (a newer release, or the `--version` asked for). */
  upgrade: boolean;
  archive: string;
  url: string;
  sha256: string;
}

/** Reads the release's `checksums.txt`: what is there for this platform, and whether to take it. */
export async function checkRelease(opts: UpgradeOptions): Promise<UpgradeCheck> {
  const platform = opts.platform ?? detectPlatform();
  const dir = releaseDir(opts.baseUrl, opts.version);
  const sums = new TextDecoder().decode(
    await download(`${dir}checksums.txt`, MAX_CHECKSUMS_BYTES, opts.fetch),
  );
  const entry = parseChecksums(sums, platform);
  if (opts.version && entry.version !== opts.version.replace(/^v/, "")) {
    throw new FaztError(
      "UNAVAILABLE",
      `release v${opts.version} lists ${entry.archive}, which is version ${entry.version}`,
      { status: 502 },
    );
  }
  const cmp = compareVersions(entry.version, VERSION);
  return {
    current: VERSION,
    available: entry.version,
    platform,
    upgrade: opts.version ? cmp !== 0 : cmp > 0,
    archive: entry.archive,
    url: `${dir}${entry.archive}`,
    sha256: entry.sha256,
  };
}

export interface UpgradeResult extends UpgradeCheck {
  /** False when already up to date: nothing was changed. */
  replaced: boolean;
  binary: string;
  /** Where the binary that was replaced now lives. */
  previous: string | null;
}

let running = false;

/** Staging folders an upgrade killed halfway left behind (older than an hour). */
function removeStaleStaging(dir: string): void {
  try {
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(".fazt-upgrade-")) continue;
      const path = join(dir, name);
      if (Date.now() - statSync(path).mtimeMs > 60 * 60 * 1000)
        rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // best effort
  }
}

/** Refuses early what would fail after the download: from source, or a binary we may not replace. */
export function assertReplaceable(target: string): void {
  if (!isCompiled()) {
    throw new FaztError(
      "CONFLICT",
      `fazt is running from source (${process.execPath} ${Bun.main}): upgrade the checkout instead (git pull), or run a release binary`,
    );
  }
  const dir = dirname(target);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new FaztError(
      "CONFLICT",
      `cannot write to ${dir}, where this fazt lives: run the upgrade as the user who owns it (for example \`sudo ${target} upgrade\`)`,
    );
  }
}

/** Runs `<binary> version --format json` and returns the version it reports. */
async function reportedVersion(binary: string): Promise<string> {
  const proc = Bun.spawn([binary, "version", "--format", "json"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" },
    timeout: 60_000,
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) {
    throw new FaztError(
      "UNAVAILABLE",
      `the downloaded fazt does not run here (exit ${code}${err.trim() ? `: ${err.trim().split("\n")[0]}` : ""})`,
      { status: 502 },
    );
  }
  try {
    const version = (JSON.parse(out) as { data?: { version?: unknown } }).data?.version;
    if (typeof version === "string") return version;
  } catch {
    // reported below
  }
  throw new FaztError("UNAVAILABLE", "the downloaded fazt did not report its version", { status: 502 });
}

/**
 * Downloads, verifies and installs a release over `target`. Nothing on disk
 * changes until the final rename; the old binary stays as `<name>.previous`.
 */
export async function performUpgrade(opts: UpgradeOptions): Promise<UpgradeResult> {
  const target = opts.target ?? realpathSync(process.execPath);
  assertReplaceable(target);
  if (running) throw new FaztError("CONFLICT", "an upgrade is already running");
  running = true;
  let work: string | undefined;
  try {
    const check = await checkRelease(opts);
    if (!check.upgrade) return { ...check, replaced: false, binary: target, previous: null };

    const archive = await download(check.url, MAX_ARCHIVE_BYTES, opts.fetch);
    const actual = sha256(archive);
    if (actual !== check.sha256) {
      throw new FaztError(
        "UNAVAILABLE",
        `checksum mismatch for ${check.archive}: checksums.txt says ${check.sha256}, the download is ${actual}; nothing was changed`,
        { status: 502 },
      );
    }
    const binary = extractFazt(archive);

    // Staged next to the target, so the final rename stays on one file system.
    const dir = dirname(target);
    removeStaleStaging(dir);
    work = mkdtempSync(join(dir, ".fazt-upgrade-"));
    const staged = join(work, "fazt");
    await Bun.write(staged, binary);
    chmodSync(staged, 0o755);
    const fd = openSync(staged, "r");
    fsyncSync(fd);
    closeSync(fd);

    const reported = await reportedVersion(staged);
    if (reported !== check.available) {
      throw new FaztError(
        "UNAVAILABLE",
        `${check.archive} holds a fazt that reports version ${reported}, not ${check.available}; nothing was changed`,
        { status: 502 },
      );
    }

    // One step back: the current binary (hard-linked, so it is never missing) becomes `<name>.previous`.
    const previous = join(dir, `${basename(target)}.previous`);
    const previousTmp = join(work, "previous");
    try {
      linkSync(target, previousTmp);
    } catch {
      await Bun.write(previousTmp, Bun.file(target));
      chmodSync(previousTmp, statSync(target).mode & 0o777);
    }
    renameSync(previousTmp, previous);
    renameSync(staged, target);
    return { ...check, replaced: true, binary: target, previous };
  } finally {
    running = false;
    if (work) rmSync(work, { recursive: true, force: true });
  }
}
