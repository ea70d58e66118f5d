import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import { createLogger } from "../../src/core/log.ts";
import { openDatabase, readConfig, type Store, writeConfig } from "../../src/db/index.ts";
import { createContext, startServer } from "../../src/http/index.ts";
import { backupDir, createBackup, listBackups, pruneBackups } from "../../src/ops/backups.ts";
import { sweep } from "../../src/ops/housekeeping.ts";
import { initInstance } from "../../src/ops/init.ts";
import { restoreBackup } from "../../src/ops/restore.ts";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { apiJson, bearer, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer } from "../helpers/server.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  cleanupTemp();
});

const HOUR = 60 * 60 * 1000;
const PASSWORD = "correct-horse-battery";

const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

/** A closed, initialised database in its own folder, with `domain` as a marker. */
async function instance(domain = "before.example"): Promise<string> {
  const db = join(tempDir(), "data.db");
  const store = await openDatabase(db);
  await initInstance(store, { config: { domain }, password: PASSWORD });
  store.close();
  return db;
}

function domainOf(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.query<{ value: string }, []>("SELECT value FROM config WHERE key = 'domain'").get();
    return JSON.parse(row!.value) as string;
  } finally {
    db.close();
  }
}

async function refusal(p: Promise<unknown>): Promise<FaztError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FaztError);
    return e as FaztError;
  }
  throw new Error("expected a refusal");
}

async function withStore<T>(path: string, use: (s: Store) => T | Promise<T>): Promise<T> {
  const store = await openDatabase(path);
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

describe("a backup while 20 clients write through app code", () => {
  test("restored into a fresh instance, it holds every write acknowledged before the backup started", async () => {
    const s = await startTestServer();
    try {
      await deployFiles(s, "w", {
        "index.html": "writes",
        "api/main.js":
          'export default async (req) => { const b = await req.json(); return Response.json({ id: fazt.app.ds.insert("w", b) }, { status: 201 }); }',
      });
      let stop = false;
      let backupStartedAt = Number.POSITIVE_INFINITY;
      const ackedBefore = new Set<number>();
      const ackedAll = new Set<number>();
      const failures: string[] = [];
      const client = async (c: number) => {
        for (let i = 0; !stop; i++) {
          const n = c * 1_000_000 + i;
          const res = await s.request("/api/w", {
            host: "w.localhost",
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ n }),
          });
          const body = await res.text();
          if (res.status !== 201) {
            failures.push(`${res.status} ${body}`);
            continue;
          }
          ackedAll.add(n);
          // Acknowledged, and the backup had not been asked for yet.
          if (performance.now() < backupStartedAt) ackedBefore.add(n);
        }
      };
      const clients = Array.from({ length: 20 }, (_, c) => client(c));
      // Let the writers get going, then back up while they keep writing.
      while (ackedAll.size < 200) await Bun.sleep(10);
      backupStartedAt = performance.now();
      const backup = await dataOf<{ file: string; bytes: number; reason: string | null }>(
        await apiJson(s, "POST", "/api/backups", {}),
        201,
      );
      const afterBackup = ackedAll.size;
      while (ackedAll.size < afterBackup + 100) await Bun.sleep(10);
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(ackedBefore.size).toBeGreaterThanOrEqual(200);
      expect(backup.reason).toBeNull();
      expect(statSync(backup.file).mode & 0o777).toBe(0o600);
      expect(statSync(backupDir(s.store.path)).mode & 0o777).toBe(0o700);

      // A fresh instance elsewhere, then the backup restored into it and served.
      const fresh = await instance("fresh.example");
      const restored = await restoreBackup(fresh, backup.file);
      expect(restored.snapshot?.reason).toBe("pre-restore");
      const store = await openDatabase(fresh);
      const ctx = createContext(
        store,
        createLogger(() => {}),
      );
      const running = await startServer(ctx, { port: 0, hostname: "127.0.0.1" });
      try {
        expect(store.sqlite.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
        const rows = store.sqlite
          .query<{ data: string }, []>(
            "SELECT d.data FROM app_docs d JOIN apps a ON a.id = d.app_id WHERE a.name = 'w' AND d.collection = 'w'",
          )
          .all();
        const present = new Set(rows.map((r) => (JSON.parse(r.data) as { n: number }).n));
        const missing = [...ackedBefore].filter((n) => !present.has(n));
        expect(missing).toEqual([]);
        // Nothing that was never acknowledged-or-in-flight appears either.
        expect(present.size).toBeLessThanOrEqual(ackedAll.size + 20);
        // The restored instance serves the app.
        const res = await fetch(`http://127.0.0.1:${running.port}/`, { headers: { host: "w.localhost" } });
        expect(await res.text()).toBe("writes");
      } finally {
        await running.stop();
        store.close();
      }
    } finally {
      await s.stop();
    }
  });
});

describe("restore refuses what it cannot use, changing nothing", () => {
  test("non-SQLite, corrupt, truncated, non-Fazt and newer-schema files", async () => {
    const db = await instance();
    const good = join(tempDir(), "good.db");
    await withStore(db, (s) => createBackup(s, good));
    const dir = tempDir();
    const cases: Array<[string, string, RegExp, string]> = [];

    const text = join(dir, "text.db");
    writeFileSync(text, "this is not a database\n".repeat(100));
    cases.push(["text", text, /not a SQLite database/, "BAD_REQUEST"]);

    const empty = join(dir, "empty.db");
    writeFileSync(empty, "");
    cases.push(["empty", empty, /not a SQLite database/, "BAD_REQUEST"]);

    const corrupt = join(dir, "corrupt.db");
    copyFileSync(good, corrupt);
    const bytes = readFileSync(corrupt);
    bytes.fill(0xab, 4096, Math.min(bytes.length, 4096 * 6));
    writeFileSync(corrupt, bytes);
    cases.push(["corrupt", corrupt, /damaged/, "BAD_REQUEST"]);

    const truncated = join(dir, "truncated.db");
    copyFileSync(good, truncated);
    truncateSync(truncated, Math.floor(statSync(good).size / 2));
    cases.push(["truncated", truncated, /damaged/, "BAD_REQUEST"]);

    const other = join(dir, "other.db");
    const o = new Database(other, { create: true });
    o.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')");
    o.close();
    cases.push(["not fazt", other, /not a Fazt database/, "BAD_REQUEST"]);

    const newer = join(dir, "newer.db");
    copyFileSync(good, newer);
    const n = new Database(newer);
    n.exec("PRAGMA user_version = 999");
    n.close();
    cases.push(["newer", newer, /schema 999, newer than this fazt knows.*upgrade/, "SCHEMA_TOO_NEW"]);

    const missing = join(dir, "missing.db");
    cases.push(["missing", missing, /no file/, "NOT_FOUND"]);

    const before = sha256(db);
    const folder = readdirSync(join(db, "..")).sort();
    for (const [label, file, message, code] of cases) {
      const fileBefore = existsSync(file) ? sha256(file) : null;
      const e = await refusal(restoreBackup(db, file));
      expect({ label, code: e.code as string }).toEqual({ label, code });
      expect(e.message).toMatch(message);
      expect(sha256(db)).toBe(before);
      // No snapshot, no leftover temporary file, the candidate itself untouched.
      expect(readdirSync(join(db, "..")).sort()).toEqual(folder);
      if (fileBefore) expect(sha256(file)).toBe(fileBefore);
    }
    // The database still opens and is the one it was.
    expect(domainOf(db)).toBe("before.example");
    // And the good file restores.
    expect((await restoreBackup(db, good)).schema).toBeGreaterThan(0);
  });
});

describe("restore", () => {
  test("snapshots the current database first, then swaps the backup in", async () => {
    const source = await instance("backup.example");
    const backup = join(tempDir(), "b.db");
    await withStore(source, (s) => createBackup(s, backup));

    const db = await instance("before.example");
    // A process that wrote and was killed leaves its last write in the WAL only.
    const killed = Bun.spawn(
      [
        process.execPath,
        "-e",
        `const { Database } = require("bun:sqlite");
         const db = new Database(${JSON.stringify(db)});
         db.exec("PRAGMA journal_mode = WAL");
         db.query("UPDATE config SET value = ? WHERE key = 'domain'").run(JSON.stringify("latest.example"));
         process.kill(process.pid, "SIGKILL");`,
      ],
      { stdout: "ignore", stderr: "inherit" },
    );
    await killed.exited;
    expect(statSync(`${db}-wal`).size).toBeGreaterThan(0);
    const result = await restoreBackup(db, backup);

    expect(result.database).toBe(db);
    expect(result.restoredFrom).toBe(backup);
    expect(result.snapshot?.reason).toBe("pre-restore");
    expect(basename(result.snapshot!.file)).toMatch(/^fazt-\d{8}-\d{6}-pre-restore\.db$/);
    // The snapshot holds the newest state of the replaced database.
    expect(domainOf(result.snapshot!.file)).toBe("latest.example");
    expect(domainOf(db)).toBe("backup.example");
    expect(statSync(db).mode & 0o777).toBe(0o600);
    expect(existsSync(`${db}.restore-tmp`)).toBe(false);
    // The old file's WAL is gone: it must never be applied to the restored file.
    expect(existsSync(`${db}-wal`)).toBe(false);
    expect(existsSync(`${db}-shm`)).toBe(false);
    expect(listBackups(db).map((b) => b.file)).toEqual([result.snapshot!.file]);
    // The restored database opens, migrates and reads as usual.
    expect(await withStore(db, (s) => readConfig(s).domain)).toBe("backup.example");
  });

  test("into a folder with no database: no snapshot, the folder made private", async () => {
    const source = await instance("backup.example");
    const backup = join(tempDir(), "b.db");
    await withStore(source, (s) => createBackup(s, backup));
    const db = join(tempDir(), "new", "data.db");
    const result = await restoreBackup(db, backup);
    expect(result.snapshot).toBeNull();
    expect(statSync(join(db, "..")).mode & 0o777).toBe(0o700);
    expect(domainOf(db)).toBe("backup.example");
  });
});

describe("create, list and prune", () => {
  test("createBackup never overwrites; names carry time and reason; list is newest first", async () => {
    const db = await instance();
    await withStore(db, (s) => {
      const existing = join(tempDir(), "exists.db");
      writeFileSync(existing, "keep me");
      expect(() => createBackup(s, existing)).toThrow(/already exists/);
      expect(readFileSync(existing, "utf8")).toBe("keep me");

      const t = Date.UTC(2030, 0, 2, 3, 4, 5);
      const a = createBackup(s, undefined, undefined, t);
      const b = createBackup(s, undefined, undefined, t);
      const c = createBackup(s, undefined, "pre-remove-Blog", t + 1000);
      expect(basename(a.file)).toBe("fazt-20300102-030405.db");
      expect(basename(b.file)).toBe("fazt-20300102-030405-2.db");
      expect(basename(c.file)).toBe("fazt-20300102-030406-pre-remove-blog.db");
      expect(a.createdAt).toBe(t);
      const list = listBackups(db);
      expect(list.map((x) => basename(x.file))).toEqual([
        "fazt-20300102-030406-pre-remove-blog.db",
        "fazt-20300102-030405-2.db",
        "fazt-20300102-030405.db",
      ]);
      expect(list[0]).toEqual({
        file: c.file,
        bytes: statSync(c.file).size,
        createdAt: t + 1000,
        reason: "pre-remove-blog",
      });
      // Hidden partial files never stay behind.
      expect(readdirSync(backupDir(db)).filter((f) => f.startsWith("."))).toEqual([]);
    });
  });

  test("pruning keeps the newest N automatic snapshots and every other one", async () => {
    const db = await instance();
    await withStore(db, (s) => {
      const t0 = Date.UTC(2030, 5, 1);
      const autos = Array.from({ length: 6 }, (_, i) =>
        createBackup(s, undefined, "auto", t0 + i * 24 * HOUR),
      );
      const manual = createBackup(s, undefined, undefined, t0 - 24 * HOUR);
      const pre = createBackup(s, undefined, "pre-restore", t0 - 48 * HOUR);
      const removed = pruneBackups(backupDir(db), 2);
      expect(removed.sort()).toEqual(
        autos
          .slice(0, 4)
          .map((a) => a.file)
          .sort(),
      );
      expect(listBackups(db).map((b) => b.file)).toEqual([
        autos[5]!.file,
        autos[4]!.file,
        manual.file,
        pre.file,
      ]);
    });
  });

  test("housekeeping takes a daily automatic snapshot and keeps backupKeep of them", async () => {
    const db = await instance();
    await withStore(db, async (s) => {
      writeConfig(s, { backupKeep: 2 });
      const t0 = Date.UTC(2031, 0, 1, 12);
      expect((await sweep(s, t0)).backups).toBe(1);
      expect((await sweep(s, t0 + HOUR)).backups).toBe(0);
      expect((await sweep(s, t0 + 23 * HOUR)).backups).toBe(0);
      expect((await sweep(s, t0 + 25 * HOUR)).backups).toBe(1);
      const third = await sweep(s, t0 + 50 * HOUR);
      expect(third).toMatchObject({ backups: 1, backupsPruned: 1 });
      const autos = listBackups(db).filter((b) => b.reason === "auto");
      expect(autos.map((b) => b.createdAt)).toEqual([t0 + 50 * HOUR, t0 + 25 * HOUR]);
      // backupKeep 0 turns the daily snapshot off.
      writeConfig(s, { backupKeep: 0 });
      expect((await sweep(s, t0 + 100 * HOUR)).backups).toBe(0);
    });
  });
});

describe("the API", () => {
  test("GET|POST /api/backups for admins; app removal snapshots first", async () => {
    const s = await startTestServer();
    try {
      expect((await apiJson(s, "GET", "/api/backups", undefined, null)).status).toBe(401);
      expect((await apiJson(s, "POST", "/api/backups", {}, null)).status).toBe(401);
      const bad = await apiJson(s, "POST", "/api/backups", { file: "/etc/passwd" });
      expect(bad.status).toBe(400);
      const made = await dataOf<{ file: string; bytes: number; createdAt: number; reason: null }>(
        await s.request("/api/backups", { method: "POST", headers: bearer(s.adminToken) }),
        201,
      );
      expect(made.bytes).toBeGreaterThan(0);
      expect(made.file.startsWith(backupDir(s.store.path))).toBe(true);
      const listed = await dataOf<Array<{ file: string; reason: string | null }>>(
        await apiJson(s, "GET", "/api/backups"),
        200,
      );
      expect(listed.some((b) => b.file === made.file && b.reason === null)).toBe(true);

      await deployFiles(s, "blog", { "index.html": "blog" });
      await dataOf(await apiJson(s, "DELETE", "/api/apps/blog"), 200);
      const pre = listBackups(s.store.path).find((b) => b.reason === "pre-remove-blog");
      expect(pre).toBeDefined();
      const kept = new Database(pre!.file, { readonly: true });
      expect(kept.query("SELECT name FROM apps WHERE name = 'blog'").get()).toEqual({ name: "blog" });
      kept.close();
      // Nothing to remove, nothing snapshotted.
      const count = listBackups(s.store.path).length;
      expect((await apiJson(s, "DELETE", "/api/apps/nope")).status).toBe(404);
      expect((await apiJson(s, "DELETE", "/api/apps/root")).status).toBe(409);
      expect(listBackups(s.store.path).length).toBe(count);
    } finally {
      await s.stop();
    }
  });
});

describe("the CLI", () => {
  const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { data: T }).data;
  };

  test("create, list and restore on a stopped instance; restore refused while a server runs", async () => {
    const home = tempDir();
    const port = freePort();
    const db = join(home, ".fazt", "data.db");
    const run = (...args: string[]) => fazt(args, { home });
    expect(
      (await run("server", "init", "--password", PASSWORD, "--port", String(port), "--domain", "one.example"))
        .code,
    ).toBe(0);

    const made = json<{ file: string; reason: null }>(await run("backup", "create", "--format", "json"));
    expect(made.file.startsWith(join(home, ".fazt", "backups"))).toBe(true);
    const explicit = join(home, "mine.db");
    expect(json<{ file: string }>(await run("backup", "create", explicit, "--format", "json")).file).toBe(
      explicit,
    );
    const again = await run("backup", "create", explicit);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^fazt: .*already exists/);
    const text = await run("backup", "list");
    expect(text.stdout).toContain(basename(made.file));
    expect(json<unknown[]>(await run("backup", "list", "--format", "json"))).toHaveLength(1);

    expect((await run("server", "set-config", "--domain", "two.example")).code).toBe(0);
    const restored = json<{ snapshot: { file: string; reason: string } }>(
      await run("backup", "restore", explicit, "--format", "json"),
    );
    expect(restored.snapshot.reason).toBe("pre-restore");
    expect(domainOf(db)).toBe("one.example");
    expect(domainOf(restored.snapshot.file)).toBe("two.example");

    const bad = await run("backup", "restore", join(home, "nope.db"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^fazt: no file at [^\n]+\n$/);

    // With a server on the database, create works and restore is refused.
    const server = await startServerProcess([], { home, port });
    servers.push(server);
    const live = json<{ file: string }>(
      await run("backup", "create", join(home, "live.db"), "--format", "json"),
    );
    expect(existsSync(live.file)).toBe(true);
    const listedBefore = json<Array<{ reason: string | null }>>(
      await run("backup", "list", "--format", "json"),
    );
    const refused = await run("backup", "restore", explicit);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^fazt: the database .* is in use by process \d+.*stop it[^\n]*\n$/);
    expect(existsSync(`${db}.restore-tmp`)).toBe(false);
    const listedAfter = json<Array<{ reason: string | null }>>(
      await run("backup", "list", "--format", "json"),
    );
    expect(listedAfter.filter((b) => b.reason === "pre-restore")).toHaveLength(
      listedBefore.filter((b) => b.reason === "pre-restore").length,
    );
    expect(await server.stop()).toBe(0);

    // Stopped again: the restore goes through and the instance starts on it.
    expect((await run("backup", "restore", live.file)).code).toBe(0);
    const again2 = await startServerProcess([], { home, port });
    servers.push(again2);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(await again2.stop()).toBe(0);
  });
});
