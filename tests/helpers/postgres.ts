/**
 * A throwaway PostgreSQL for tests. `FAZT_TEST_PG_URL` (set by `.ci/run`)
 * names a running server to use; otherwise one cluster is made per test
 * process with Debian's binaries (initdb + pg_ctl, run as the `postgres` user
 * when we are root), on a free loopback port with `fsync=off` and trust
 * authentication, and stopped when the process exits. Each caller of
 * `freshDatabase()` gets its own new database on it.
 *
 * Missing binaries follow `requireTool`: the tests fail under CI and skip on a
 * developer machine.
 */
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./temp.ts";
import { requireTool } from "./tools.ts";

/** Debian keeps the server binaries off PATH, one folder per major version. */
function binDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  const initdb = Bun.which("initdb");
  return initdb ? join(initdb, "..") : undefined;
}

/** Whether tests can have a PostgreSQL (throws under CI when they cannot). */
export function postgresAvailable(): boolean {
  if (process.env.FAZT_TEST_PG_URL) return true;
  const bin = binDir();
  return requireTool(
    bin ? join(bin, "initdb") : "initdb",
    "PostgreSQL's server (Debian: apt-get install postgresql), or FAZT_TEST_PG_URL naming a server to use",
  );
}

let admin: Promise<string> | undefined;

function asPostgres(cmd: string[]): string[] {
  return userInfo().uid === 0 ? ["runuser", "-u", "postgres", "--", ...cmd] : cmd;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function run(cmd: string[]): void {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
}

async function startCluster(): Promise<string> {
  const bin = binDir();
  if (!bin) throw new Error("PostgreSQL's initdb is missing (apt-get install postgresql)");
  const dir = mkdtempSync(join(tmpdir(), "fazt-pg-"));
  // The server refuses to run as root; its folders must belong to the user it runs as.
  if (userInfo().uid === 0) {
    const pg = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    chownSync(dir, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, "data");
  const port = freePort();
  run(
    asPostgres([
      join(bin, "initdb"),
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]),
  );
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=300",
  ].join(" ");
  run(asPostgres([join(bin, "pg_ctl"), "-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]));
  // `bun test` emits no "exit" event: a watchdog outside this process stops
  // the cluster once the process is gone (however it ended) and removes it.
  const stop = asPostgres([join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]);
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${stop.map(shellQuote).join(" ")} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`;
  Bun.spawn(["setsid", "sh", "-c", script], { stdio: ["ignore", "ignore", "ignore"] }).unref();
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** The URL of the server's maintenance database (made on first use). */
export function adminUrl(): Promise<string> {
  admin ??= process.env.FAZT_TEST_PG_URL ? Promise.resolve(process.env.FAZT_TEST_PG_URL) : startCluster();
  return admin;
}

let made = 0;

/** A new, empty database on the test server; its URL. */
export async function freshDatabase(): Promise<string> {
  const url = new URL(await adminUrl());
  const name = `fazt_test_${process.pid}_${++made}_${Math.random().toString(36).slice(2, 8)}`;
  const sql = new Bun.SQL({ url: url.toString(), max: 1 });
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.close();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on `url` from a separate connection (to kill a backend, look at the catalog…). */
export async function onServer<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const sql = new Bun.SQL({ url, max: 1 });
  try {
    return [...(await sql.unsafe(text, params))] as T[];
  } finally {
    await sql.close();
  }
}
