/**
 * `fazt upgrade` and `POST /api/upgrade` (docs/releases.md): read the signed
 * `checksums.txt` of the release (upgrade-release.ts), fetch this platform's
 * archive and check its sha256, check the new binary runs and reports the
 * version it claims, then swap it in with one `rename` — the old binary kept
 * as `<name>.previous`. Every failure before that rename leaves the installed
 * binary untouched.
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
import { FaztError, isCompiled } from "../core/index.ts";
import { extractFazt } from "./upgrade-archive.ts";
import { download } from "./upgrade-download.ts";
import { checkRelease, type ReleaseOptions, type UpgradeCheck } from "./upgrade-release.ts";

export { checkRelease, type UpgradeCheck } from "./upgrade-release.ts";

/** No release archive is anywhere near this; a bigger answer is not a release. */
const MAX_ARCHIVE_BYTES = 300 * 1024 * 1024;

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");

export interface UpgradeOptions extends ReleaseOptions {
  /** The binary to replace (default: this process's). */
  target?: string;
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
  if (!isCompiled) {
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
