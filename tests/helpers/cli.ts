import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** HOME for the process (so `~/.fazt` is private to the test). */
  home: string;
  env?: Record<string, string>;
  stdin?: string;
  cwd?: string;
  /** Run this binary instead of `bun src/main.ts`. */
  binary?: string;
  /** A command to run it under, e.g. `qemu-aarch64-static -L …`. */
  wrap?: string[];
}

function command(args: string[], opts: CliOptions): string[] {
  const inner = opts.binary ? [opts.binary, ...args] : [process.execPath, MAIN, ...args];
  return [...(opts.wrap ?? []), ...inner];
}

function environment(opts: CliOptions): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: opts.home };
  return { ...env, ...opts.env };
}

/** Runs the CLI as a process, as a user would, and collects its output. */
export async function fazt(args: string[], opts: CliOptions): Promise<CliResult> {
  const proc = Bun.spawn(command(args, opts), {
    cwd: opts.cwd ?? opts.home,
    env: environment(opts),
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export interface ServerProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  port: number;
  /** Everything the process printed on stdout so far. */
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts `fazt server start` as a process and waits until `/health` answers
 * (giving up, with the process's output, if it exits or never answers).
 */
export async function startServerProcess(
  args: string[],
  opts: CliOptions & { port: number; readyTimeoutMs?: number },
): Promise<ServerProcess> {
  const cmd = command(
    ["server", "start", "--listen", "127.0.0.1", "--port", String(opts.port), ...args],
    opts,
  );
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? opts.home,
    env: environment(opts),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  let err = "";
  const collect = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      add(decoder.decode(value, { stream: true }));
    }
  };
  void collect(proc.stdout, (s) => {
    out += s;
  });
  void collect(proc.stderr, (s) => {
    err += s;
  });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}\n${err}`);
    try {
      const res = await fetch(`http://127.0.0.1:${opts.port}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`server did not answer /health:\n${out}\n${err}`);
    }
    await Bun.sleep(50);
  }
  return {
    proc,
    port: opts.port,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return proc.exited;
    },
  };
}

/**
 * Path of a compiled binary for `target`, built with build.ts when it is
 * missing or older than the sources (so tests never run a stale binary).
 */
export function ensureBinary(target: "linux-x64" | "linux-arm64"): string {
  const binary = join(ROOT, "dist", `fazt-${target}`);
  // One pattern at a time: Bun.Glob finds nothing for a brace list of `**` patterns.
  const patterns = [
    "src/**/*",
    "drizzle/**/*",
    "admin-ui/src/**/*",
    "admin-ui/index.html",
    "build.ts",
    "package.json",
  ];
  const newestSource = Math.max(
    ...patterns
      .flatMap((p) => [...new Bun.Glob(p).scanSync(ROOT)])
      .map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (!existsSync(binary) || statSync(binary).mtimeMs < newestSource) {
    const p = Bun.spawnSync([process.execPath, join(ROOT, "build.ts"), "--targets", target], { cwd: ROOT });
    if (p.exitCode !== 0) throw new Error(`build of ${target} failed:\n${p.stderr.toString()}`);
  }
  return binary;
}
