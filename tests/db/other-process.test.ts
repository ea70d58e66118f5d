import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openDatabase, openStore } from "../../src/db/index.ts";
import { createBackup } from "../../src/ops/backups.ts";
import { restoreBackup } from "../../src/ops/restore.ts";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";
import { zipOf } from "../helpers/zip.ts";

/**
 * The database is shared with other processes: a `sqlite3` shell reading and
 * writing it while the release binary runs must never cost the server a write.
 * Closing any descriptor of a file drops all of the process's POSIX locks on
 * it, so a stray `open`/`close` of data.db in the server (a header check in a
 * runtime worker, a copy) lets the shell think it is the last user and delete
 * `-wal`/`-shm` under the server: acknowledged writes then vanish at restart.
 */
setDefaultTimeout(300_000);

const haveSqlite3 = requireTool(
  "sqlite3",
  "the Debian sqlite3 shell plays the other process (apt-get install sqlite3)",
);

let server: ServerProcess | undefined;
afterAll(async () => {
  if (server && server.proc.exitCode === null) {
    server.proc.kill("SIGKILL");
    await server.proc.exited;
  }
  cleanupTemp();
});

const PASSWORD = "correct-horse-battery";
const NOTES = `export default async (req) => {
  if (req.method === "POST") return Response.json({ id: fazt.app.ds.insert("notes", await req.json()) }, { status: 201 });
  return { ns: fazt.app.ds.find("notes").map((d) => d.n).sort((a, b) => a - b) };
}`;

/** Runs the sqlite3 shell on the database, as an operator would; fails loudly on any error. */
function sqlite3(db: string, sql: string): string {
  const p = Bun.spawnSync(["sqlite3", "-cmd", ".timeout 10000", db, sql], { stdout: "pipe", stderr: "pipe" });
  const out = p.stdout.toString().trim();
  if (p.exitCode !== 0) throw new Error(`sqlite3 ${JSON.stringify(sql)} failed (${p.exitCode}): ${p.stderr}`);
  return out;
}

test.skipIf(!haveSqlite3)(
  "a sqlite3 shell reading and writing data.db beside the running binary loses no acknowledged write",
  async () => {
    const binary = ensureBinary("linux-x64");
    const home = tempDir();
    const db = join(home, ".fazt", "data.db");
    const port = freePort();
    const run = (args: string[]) => fazt(args, { home, binary });
    expect((await run(["server", "init", "--password", PASSWORD, "--port", String(port)])).code).toBe(0);
    const made = await run(["server", "create-key", "--name", "admin", "--format", "json"]);
    const token = (JSON.parse(made.stdout) as { data: { token: string } }).data.token;

    const start = async () => {
      server = await startServerProcess([], { home, port, binary });
    };
    const call = (path: string, init: RequestInit & { host?: string } = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        ...init,
        headers: { host: init.host ?? "localhost", ...(init.headers as Record<string, string>) },
      });
    const admin = { authorization: `Bearer ${token}` };
    const deploy = async (name: string, files: Record<string, string>) => {
      const form = new FormData();
      form.append("file", new Blob([zipOf(files) as Uint8Array<ArrayBuffer>]), "site.zip");
      form.append("name", name);
      const res = await call("/api/deploy", { method: "POST", headers: admin, body: form });
      expect(`${res.status} ${await res.text()}`).toStartWith("201");
    };
    const note = async (n: number) => {
      const res = await call("/api/notes", {
        host: "notes.localhost",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n }),
      });
      expect(`${res.status} ${await res.text()}`).toStartWith("201");
    };
    const newKey = async (name: string) => {
      const res = await call("/api/keys", {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const text = await res.text();
      expect(`${res.status} ${text}`).toStartWith("201");
      return (JSON.parse(text) as { data: { token: string } }).data.token;
    };

    await start();
    // Every write the server acknowledged, and every one the shell made.
    const notes: number[] = [];
    const sites: string[] = [];
    const keys: Array<{ name: string; token: string }> = [];
    const probes: number[] = [];

    await deploy("notes", { "index.html": "notes", "api/main.js": NOTES });
    // The first /api requests: a runtime worker opens its own connection to data.db.
    for (let n = 0; n < 5; n++) {
      await note(n);
      notes.push(n);
    }
    for (let round = 0; round < 6; round++) {
      // A reader: on exit, the shell's last connection deletes -wal/-shm if it can lock the file alone.
      const apps = Number(sqlite3(db, "select count(*) from apps"));
      expect(apps).toBeGreaterThanOrEqual(1 + sites.length);
      const site = `site-${round}`;
      await deploy(site, { "index.html": `<p>${site}</p>` });
      sites.push(site);
      // A writer beside the server.
      sqlite3(db, `create table if not exists probe (n integer); insert into probe values (${round});`);
      probes.push(round);
      keys.push({ name: `key-${round}`, token: await newKey(`key-${round}`) });
      for (let i = 0; i < 3; i++) {
        const n = 100 + round * 10 + i;
        await note(n);
        notes.push(n);
      }
      // What the server acknowledged is visible to another process at once.
      expect(sqlite3(db, `select count(*) from apps where name = '${site}'`)).toBe("1");
      expect(Number(sqlite3(db, "select count(*) from api_keys"))).toBe(1 + keys.length);
    }

    expect(await server!.stop("SIGTERM")).toBe(0);
    expect(sqlite3(db, "pragma integrity_check")).toBe("ok");
    await start();
    for (const site of sites) {
      const res = await call("/", { host: `${site}.localhost` });
      expect(`${site}: ${res.status} ${await res.text()}`).toBe(`${site}: 200 <p>${site}</p>`);
    }
    const listed = await (await call("/api/notes", { host: "notes.localhost" })).json();
    expect(listed).toEqual({ ns: notes });
    for (const k of keys) {
      const res = await call("/api/apps", { headers: { authorization: `Bearer ${k.token}` } });
      expect(`${k.name}: ${res.status}`).toBe(`${k.name}: 200`);
    }
    expect(await server!.stop("SIGTERM")).toBe(0);
    expect(sqlite3(db, "select group_concat(n) from (select n from probe order by n)")).toBe(
      probes.join(","),
    );
    expect(sqlite3(db, "pragma integrity_check")).toBe("ok");
    expect(existsSync(db)).toBe(true);
  },
);

/** How many POSIX locks this process holds on `file` (Linux lists them in /proc/locks). */
function locksHeldOn(file: string): number {
  const ino = statSync(file).ino;
  return readFileSync("/proc/locks", "utf8")
    .split("\n")
    .filter((l) => {
      const m = /^\d+:\s+POSIX\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/i.exec(l);
      return m !== null && Number(m[1]) === process.pid && Number(m[2]) === ino;
    }).length;
}

test.skipIf(process.platform !== "linux")(
  "a second connection in this process (a runtime worker's) and a backup keep the server's locks",
  async () => {
    const path = join(tempDir(), "data.db");
    const server = await openDatabase(path);
    server.sqlite.exec("INSERT INTO config (key, value, updated_at) VALUES ('probe', '1', 0)");
    // An idle WAL connection keeps a shared lock on the database file: that tells the
    // last connection of another process not to delete -wal/-shm on close.
    expect(locksHeldOn(path)).toBeGreaterThan(0);
    const worker = openStore(path, { create: false });
    expect(locksHeldOn(path)).toBeGreaterThan(0);
    createBackup(worker, join(tempDir(), "snapshot.db"));
    expect(locksHeldOn(path)).toBeGreaterThan(0);
    worker.close();
    expect(locksHeldOn(path)).toBeGreaterThan(0);
    server.close();
  },
);

test("restore over a current file SQLite cannot read keeps that file byte for byte", async () => {
  const dir = tempDir();
  const good = join(dir, "good.db");
  const store = await openDatabase(join(dir, "source.db"));
  createBackup(store, good);
  store.close();
  const database = join(tempDir(), "data.db");
  const junk = "not a database, and not to be lost\n".repeat(200);
  writeFileSync(database, junk);
  const result = await restoreBackup(database, good);
  expect(result.snapshot?.reason).toBe("pre-restore");
  expect(readFileSync(result.snapshot!.file, "utf8")).toBe(junk);
  expect(statSync(result.snapshot!.file).mode & 0o777).toBe(0o600);
  const restored = await openDatabase(database);
  expect(restored.sqlite.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  restored.close();
});
