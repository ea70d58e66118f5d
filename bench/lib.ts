/**
 * What the benches share: the result shape the runner prints, and helpers to
 * compile, start, probe and stop servers. Every bench compares Fazt with a
 * baseline measured in the same run, interleaved, never with a stored number.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemp as cleanupTemps, freePort, tempDir } from "../tests/helpers/temp.ts";

export const ROOT = join(import.meta.dir, "..");
/** Build artefacts of the benches (gitignored). */
export const OUT = join(import.meta.dir, ".out");

/** One measured quantity: every sample of Fazt and of the baseline, and the goal for the ratio of medians. */
export interface Result {
  metric: string;
  unit: string;
  fazt: number[];
  baseline: number[];
  /** What the baseline is, e.g. "hello". */
  baselineName: string;
  /** Largest acceptable median(fazt) / median(baseline); none = informational. */
  maxRatio?: number;
}

/** What `bench/<name>/index.ts` exports. */
export interface Bench {
  run(): Promise<Result[]>;
}

export function median(xs: number[]): number {
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
 * dist/fazt-linux-x64, built with build.ts only if it is missing. A binary
 * older than src/ is used as it is, with a note (rebuild: `bun run build --targets linux-x64`).
 */
export function faztBinary(): string {
  const bin = join(ROOT, "dist", "fazt-linux-x64");
  if (!existsSync(bin)) {
    note("dist/fazt-linux-x64 is missing: building it (bun build.ts --targets linux-x64)");
    run([process.execPath, join(ROOT, "build.ts"), "--targets", "linux-x64"]);
  }
  const built = statSync(bin).mtimeMs;
  const newer = [...new Bun.Glob("src/**/*.ts").scanSync(ROOT)].filter(
    (f) => statSync(join(ROOT, f)).mtimeMs > built,
  );
  if (newer.length > 0) {
    note(
      `note: dist/fazt-linux-x64 is older than ${newer.length} file(s) in src/ (e.g. ${newer[0]}); it may not match the sources`,
    );
  }
  return bin;
}

/** Compiles `entry` the way build.ts compiles Fazt, into bench/.out/, unless it is up to date. */
export function compile(entry: string, name: string): string {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, name);
  if (existsSync(outfile) && statSync(outfile).mtimeMs >= statSync(entry).mtimeMs) return outfile;
  run([
    process.execPath,
    "build",
    "--compile",
    "--target=bun-linux-x64",
    "--minify",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    entry,
    "--outfile",
    outfile,
  ]);
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
  opts: { port: number; env: Record<string, string>; cwd: string; pollMs?: number; timeoutMs?: number },
): Promise<Server> {
  const base = `http://127.0.0.1:${opts.port}`;
  const get = (path: string) => fetch(base + path, { keepalive: false, signal: AbortSignal.timeout(2000) });
  const started = performance.now();
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: opts.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  live.add(proc);
  let output = "";
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const reader = s.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
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
      throw new Error(`${cmd.join(" ")} did not answer /health: ${how}\n${output}`);
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
