/**
 * What the benches share: the result shape the runner prints, and helpers to
 * compile, start, probe and stop servers. Every bench compares Fazt with a
 * baseline measured in the same run, interleaved, never with a stored number.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemp as cleanupTemps, freePort, tempDir } from "../tests/helpers/temp.ts";

export const ROOT = join(import.meta.dir, "..");
/** Build artefacts of the benches (gitignored). */
export const OUT = join(import.meta.dir, ".out");

/**
 * One measured quantity: every sample of Fazt and of the baseline, and the
 * goals. With no goal the row is informational; with several, all must hold.
 */
export interface Result {
  metric: string;
  unit: string;
  fazt: number[];
  /**
   * Empty when the quantity has no baseline (then only `maxValue` can be a
   * goal). When it has as many samples as `fazt`, `baseline[i]` was measured
   * in the same round as `fazt[i]`, and ratios are taken round by round.
   */
  baseline: number[];
  /** What the baseline is, e.g. "hello"; "" when there is none. */
  baselineName: string;
  /** Largest acceptable median(fazt) / median(baseline), for costs (time, memory). */
  maxRatio?: number;
  /** Smallest acceptable median(fazt) / median(baseline), for gains (throughput). */
  minRatio?: number;
  /** Largest acceptable median(fazt) itself, in `unit` (an absolute budget). */
  maxValue?: number;
  /** Largest acceptable median(fazt) − median(baseline), in `unit` (a budget on top of the peer). */
  maxExcess?: number;
  /** Where the goal comes from when it is an issue's (bench/goals.ts), e.g. "#13". */
  goalFrom?: string;
  /** Why the figure could not be measured (its scenario failed, or did not report it): a MISS. */
  error?: string;
}

/** The goal fields of a result, which bench/goals.ts may replace. */
export const GOAL_FIELDS = ["maxRatio", "minRatio", "maxValue", "maxExcess"] as const;

/**
 * fazt / baseline: the median of the per-round ratios when the samples are
 * paired by round (as many of each), which holds when the machine's speed
 * drifts between rounds; else the ratio of the medians. NaN without samples.
 */
export function ratio(r: Result): number {
  return paired(r) ? median(r.fazt.map((f, i) => f / r.baseline[i]!)) : median(r.fazt) / median(r.baseline);
}

/** fazt − baseline, paired by round like `ratio`. */
export function excess(r: Result): number {
  return paired(r) ? median(r.fazt.map((f, i) => f - r.baseline[i]!)) : median(r.fazt) - median(r.baseline);
}

function paired(r: Result): boolean {
  return r.fazt.length > 0 && r.fazt.length === r.baseline.length;
}

/**
 * Whether a result meets its goals; undefined when it has none. A figure not
 * measured (`error`, no samples) or a goal on a peer that was not measured
 * misses: the table says so instead of the run failing at its end.
 */
export function verdict(r: Result): boolean | undefined {
  if (r.error !== undefined) return false;
  const checks: boolean[] = [];
  if (r.maxValue !== undefined) checks.push(median(r.fazt) <= r.maxValue);
  if (r.maxExcess !== undefined) checks.push(excess(r) <= r.maxExcess);
  if (r.maxRatio !== undefined) checks.push(ratio(r) <= r.maxRatio);
  if (r.minRatio !== undefined) checks.push(ratio(r) >= r.minRatio);
  // NaN (no samples) compares false, so an unmeasured figure misses.
  return checks.length === 0 ? undefined : checks.every(Boolean);
}

/** What `bench/<name>/index.ts` exports. */
export interface Bench {
  run(): Promise<Result[]>;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Progress lines go to stderr so the table on stdout stays clean. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

// One implementation of temp folders and free ports, shared with the tests.
export { cleanupTemps, freePort, tempDir };

function run(cmd: string[]): void {
  const p = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed (${p.exitCode}):\n${p.stderr}${p.stdout}`);
}

/**
 * dist/fazt-linux-x64, built with build.ts if it is missing. A binary older
 * than src/ is used as it is, with a note (rebuild: `bun run build --targets
 * linux-x64`), unless `rebuildIfStale`: then it is rebuilt first.
 */
export function faztBinary(opts: { rebuildIfStale?: boolean } = {}): string {
  const bin = join(ROOT, "dist", "fazt-linux-x64");
  const build = (why: string) => {
    note(`${why}: building it (bun build.ts --targets linux-x64)`);
    run([process.execPath, join(ROOT, "build.ts"), "--targets", "linux-x64"]);
  };
  if (!existsSync(bin)) build("dist/fazt-linux-x64 is missing");
  const newer = () => {
    const built = statSync(bin).mtimeMs;
    return [...new Bun.Glob("src/**/*.ts").scanSync(ROOT)].filter(
      (f) => statSync(join(ROOT, f)).mtimeMs > built,
    );
  };
  let stale = newer();
  if (stale.length > 0 && opts.rebuildIfStale) {
    build(`dist/fazt-linux-x64 is older than ${stale.length} file(s) in src/ (e.g. ${stale[0]})`);
    stale = newer();
  }
  if (stale.length > 0) {
    note(
      `note: dist/fazt-linux-x64 is older than ${stale.length} file(s) in src/ (e.g. ${stale[0]}); it may not match the sources`,
    );
  }
  return bin;
}

/**
 * Makes sure each command is on PATH, installing a Debian package for the
 * missing ones (`apt-get install -y --no-install-recommends`, the first of
 * the listed alternatives that installs). Returns each command's path.
 */
export function ensureCommands<K extends string>(wanted: Record<K, string[]>): Record<K, string> {
  const found = {} as Record<K, string>;
  let updated = false;
  for (const [cmd, packages] of Object.entries(wanted) as Array<[K, string[]]>) {
    let path = Bun.which(cmd, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` });
    for (const pkg of path ? [] : packages) {
      note(`${cmd} is missing: apt-get install -y --no-install-recommends ${pkg}`);
      if (!updated) {
        Bun.spawnSync(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update"], {
          stdout: "ignore",
          stderr: "ignore",
        });
        updated = true;
      }
      // Another apt-get (a helper, unattended-upgrades) may hold the lock: wait for it a while.
      const p = Bun.spawnSync(
        ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", pkg],
        { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "pipe", stderr: "pipe" },
      );
      path = Bun.which(cmd, { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` });
      if (path) break;
      note(`  ${pkg} did not install (${p.exitCode}): ${p.stderr.toString().trim().split("\n").at(-1)}`);
    }
    if (!path) throw new Error(`${cmd} is needed and could not be installed (tried ${packages.join(", ")})`);
    found[cmd] = path;
  }
  return found;
}

/**
 * The flags build.ts compiles Fazt with (minus its assets and defines), so a
 * compiled baseline differs from Fazt only in its code.
 */
const COMPILE_FLAGS = [
  "--compile",
  "--target=bun-linux-x64",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];

/**
 * Compiles `entry` the way build.ts compiles Fazt, into bench/.out/, unless it
 * is up to date (newer than `entry` and built with the same flags, which are
 * kept beside it).
 */
export function compile(entry: string, name: string): string {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, name);
  const flagsFile = `${outfile}.flags`;
  const flags = COMPILE_FLAGS.join(" ");
  const upToDate =
    existsSync(outfile) &&
    statSync(outfile).mtimeMs >= statSync(entry).mtimeMs &&
    existsSync(flagsFile) &&
    readFileSync(flagsFile, "utf8") === flags;
  if (upToDate) return outfile;
  run([process.execPath, "build", ...COMPILE_FLAGS, entry, "--outfile", outfile]);
  writeFileSync(flagsFile, flags);
  return outfile;
}

/** Servers still running, so an interrupted run can stop them (see `stopAll`). */
const live = new Set<Bun.Subprocess>();

/** Kills whatever is still running and removes the temp dirs; for Ctrl-C. */
export function stopAll(): void {
  for (const proc of live) proc.kill("SIGKILL");
  live.clear();
  cleanupTemps();
}

export interface Server {
  pid: number;
  port: number;
  /** Milliseconds from just before spawn to the first 200 on /health. */
  startupMs: number;
  /** Resident set size now, in KiB, from /proc/<pid>/status. */
  rssKiB(field?: "VmRSS" | "RssAnon" | "RssFile" | "RssShmem"): number;
  get(path: string): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Spawns a server and polls `GET /health` every `pollMs` until it answers 200.
 * Output is collected, and shown if the process dies or never answers.
 */
export async function startServer(
  cmd: string[],
  opts: {
    port: number;
    env: Record<string, string>;
    cwd: string;
    pollMs?: number;
    timeoutMs?: number;
    /**
     * A file that receives stdout and stderr (appended), as a service's log
     * would; without it the output is kept in memory, which suits servers that
     * say little but not one that logs every request under load.
     */
    logFile?: string;
  },
): Promise<Server> {
  const base = `http://127.0.0.1:${opts.port}`;
  const get = (path: string) => fetch(base + path, { keepalive: false, signal: AbortSignal.timeout(2000) });
  const logFd = opts.logFile === undefined ? undefined : openSync(opts.logFile, "a");
  const started = performance.now();
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "ignore",
    stdout: logFd ?? "pipe",
    stderr: logFd ?? "pipe",
  });
  if (logFd !== undefined) closeSync(logFd);
  live.add(proc);
  let collected = "";
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const reader = s.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      collected += decoder.decode(value, { stream: true });
    }
  };
  if (proc.stdout instanceof ReadableStream) void drain(proc.stdout);
  if (proc.stderr instanceof ReadableStream) void drain(proc.stderr);
  const output = () =>
    opts.logFile === undefined ? collected : readFileSync(opts.logFile, "utf8").slice(-8000);
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await proc.exited;
    clearTimeout(timer);
    live.delete(proc);
  };
  const deadline = started + (opts.timeoutMs ?? 20_000);
  let startupMs = 0;
  for (;;) {
    try {
      const res = await get("/health");
      const at = performance.now();
      await res.arrayBuffer();
      if (res.status === 200) {
        startupMs = at - started;
        break;
      }
    } catch {
      // not listening yet
    }
    const died = proc.exitCode !== null || proc.signalCode !== null;
    if (died || performance.now() > deadline) {
      await stop();
      const how = died ? `exited (${proc.exitCode ?? proc.signalCode})` : "timed out";
      throw new Error(`${cmd.join(" ")} did not answer /health: ${how}\n${output()}`);
    }
    await Bun.sleep(opts.pollMs ?? 5);
  }
  return {
    pid: proc.pid,
    port: opts.port,
    startupMs,
    rssKiB(field = "VmRSS") {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
      if (!m) throw new Error(`no ${field} in /proc/${proc.pid}/status`);
      return Number(m[1]);
    },
    get,
    stop,
  };
}
