/** Small helpers shared by the CLI end-to-end tests. */
import { Database } from "bun:sqlite";
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CliOptions, type CliResult, fazt, ROOT, type ServerProcess } from "../helpers/cli.ts";

export const PASSWORD = "correct-horse-battery";

/**
 * Broken input: exactly one line on stderr starting with `fazt: `, a non-zero
 * exit, nothing on stdout and no stack trace. Returns the line.
 */
export function expectOneLineError(r: CliResult, mentions?: RegExp): string {
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^fazt: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  if (mentions) expect(r.stderr).toMatch(mentions);
  expect(r.code).not.toBe(0);
  return r.stderr.trimEnd();
}

export function sha256File(path: string): string {
  return new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
}

/** Reads from a database file with bun:sqlite (read-only), outside the CLI. */
export function readDb<T>(path: string, read: (db: Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export function ownerHash(dbPath: string): string {
  return readDb(
    dbPath,
    (db) => db.query<{ h: string }, []>("SELECT password_hash AS h FROM users WHERE role = 'owner'").get()!.h,
  );
}

/** `server status --format json`: the stored configuration as the CLI reports it. */
export async function status(opts: CliOptions, dbPath?: string): Promise<Record<string, unknown>> {
  const r = await fazt(["server", "status", "--format", "json", ...(dbPath ? ["--db", dbPath] : [])], opts);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { data: Record<string, unknown> }).data;
}

/**
 * Runs `bun src/main.ts …` for a command that is expected to exit by itself
 * (for example a `server start` that must fail), killing it if it has not
 * exited by the deadline, so a hang fails the test instead of blocking it.
 */
export async function faztBounded(
  args: string[],
  opts: CliOptions,
  deadlineMs = 30_000,
): Promise<CliResult & { timedOut: boolean }> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), ...args], {
    cwd: opts.cwd ?? opts.home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: opts.home, ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, deadlineMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  }
}

/** The generated owner password in a password banner (`password: …`), if one was printed. */
export function bannerPassword(stdout: string): string | undefined {
  return /password:\s+(\S+)/.exec(stdout)?.[1];
}

/** Waits until a started server's stdout matches (its pipe is read asynchronously). */
export async function outputMatching(
  server: ServerProcess,
  pattern: RegExp,
  deadlineMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  while (!pattern.test(server.output()) && Date.now() < deadline) await Bun.sleep(20);
  return server.output();
}
