/**
 * What a release is and how `fazt upgrade` reads one (docs/releases.md):
 * GitHub's layout (`BASE/latest/download/FILE`, `BASE/download/vV/FILE`), a
 * `checksums.txt` whose signature `checksums.txt.sig` must verify before
 * anything in it is believed, and one archive per platform named
 * `fazt-V-OS-ARCH.tar.gz`.
 */
import { FaztError, isTermux, releaseBaseProblem, VERSION } from "../core/index.ts";
import { SIGNATURE_FILE, verifyChecksums } from "./release-signature.ts";
import { download } from "./upgrade-download.ts";

const MAX_CHECKSUMS_BYTES = 1024 * 1024;
const MAX_SIGNATURE_BYTES = 4096;

export type Platform = "linux-x64" | "linux-arm64" | "darwin-x64" | "darwin-arm64" | "android-arm64";

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

/** Throws when `base` may not be used for releases (see releaseBaseProblem). */
export function assertReleaseBase(base: string): void {
  const problem = releaseBaseProblem(base);
  if (problem) {
    throw new FaztError(
      "VALIDATION_FAILED",
      `release base URL ${base} ${problem}; set another with \`fazt server set-config --release-base-url URL\``,
    );
  }
}

export interface ReleaseOptions {
  /** `--base-url` > config `releaseBaseUrl` > DEFAULT_RELEASE_BASE_URL, decided by the caller. */
  baseUrl: string;
  /** A specific version; the newest release otherwise. */
  version?: string | undefined;
  /** Signing keys trusted besides the compiled-in ones (config `releasePublicKeys`). */
  extraKeys?: readonly string[];
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
  /** The trusted key that signed this release's checksums.txt. */
  signedBy: string;
}

/**
 * Reads the release's `checksums.txt` and its signature: nothing in it is
 * believed before the signature verifies. Says what is there for this
 * platform, and whether to take it.
 */
export async function checkRelease(opts: ReleaseOptions): Promise<UpgradeCheck> {
  assertReleaseBase(opts.baseUrl);
  const platform = opts.platform ?? detectPlatform();
  const dir = releaseDir(opts.baseUrl, opts.version);
  const sums = await download(`${dir}checksums.txt`, MAX_CHECKSUMS_BYTES, opts.fetch);
  let signature: Uint8Array;
  try {
    signature = await download(`${dir}${SIGNATURE_FILE}`, MAX_SIGNATURE_BYTES, opts.fetch);
  } catch (e) {
    if (!(e instanceof FaztError && e.code === "NOT_FOUND")) throw e;
    throw new FaztError(
      "UNAVAILABLE",
      `this release is not signed (no ${SIGNATURE_FILE} at ${dir}); refusing it, nothing was changed`,
      { status: 502 },
    );
  }
  const signedBy = verifyChecksums(sums, new TextDecoder().decode(signature), opts.extraKeys);
  const entry = parseChecksums(new TextDecoder().decode(sums), platform);
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
    signedBy,
  };
}
