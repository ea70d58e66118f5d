import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import {
  defaultConfig,
  loadMigrations,
  openDatabase,
  readConfig,
  resolveDbPath,
  schemaVersion,
  writeConfig,
} from "../../src/db/index.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const digest = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");

describe("resolveDbPath", () => {
  test("--db beats FAZT_DB_PATH beats ~/.fazt/data.db", () => {
    expect(resolveDbPath("/x/a.db", { FAZT_DB_PATH: "/y/b.db", HOME: "/h" })).toBe("/x/a.db");
    expect(resolveDbPath(undefined, { FAZT_DB_PATH: "/y/b.db", HOME: "/h" })).toBe("/y/b.db");
    expect(resolveDbPath(undefined, { HOME: "/h" })).toBe("/h/.fazt/data.db");
  });
});

describe("openDatabase", () => {
  test("creates the folder 0700 and the file 0600, in WAL mode with foreign keys", async () => {
    const path = join(tempDir(), "nested", "data.db");
    const store = await openDatabase(path);
    store.sqlite.query("INSERT INTO config (key, value, updated_at) VALUES ('x', '1', 0)").run();
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    for (const p of [path, `${path}-wal`, `${path}-shm`]) {
      if (existsSync(p)) expect(statSync(p).mode & 0o777).toBe(0o600);
    }
    const pragma = (name: string) => Object.values(store.sqlite.query(`PRAGMA ${name}`).get() as object)[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("foreign_keys")).toBe(1);
    expect(pragma("synchronous")).toBe(1); // NORMAL
    expect(Number(pragma("busy_timeout"))).toBeGreaterThan(0);
    store.close();
  });

  test("applies every migration once and records it", async () => {
    const path = join(tempDir(), "data.db");
    const migrations = await loadMigrations();
    const a = await openDatabase(path);
    expect(schemaVersion(a.sqlite)).toBe(migrations.length);
    const rows = a.sqlite.query("SELECT number, tag FROM fazt_migrations ORDER BY number").all();
    expect(rows).toEqual(migrations.map((m) => ({ number: m.number, tag: m.tag })));
    const tables = a.sqlite
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name);
    for (const t of [
      "config",
      "users",
      "sessions",
      "api_keys",
      "apps",
      "versions",
      "blobs",
      "aliases",
      "peers",
    ]) {
      expect(tables).toContain(t);
    }
    a.close();
    const b = await openDatabase(path); // again: nothing to do, nothing fails
    expect(b.sqlite.query("SELECT count(*) AS n FROM fazt_migrations").get()).toEqual({
      n: migrations.length,
    });
    b.close();
  });

  test("refuses a database from a newer schema and leaves it untouched", async () => {
    const path = join(tempDir(), "data.db");
    (await openDatabase(path)).close();
    const raw = new Database(path);
    raw.exec("PRAGMA user_version = 999");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.close();
    const before = digest(path);
    const err = await openDatabase(path).catch((e) => e);
    expect(err).toBeInstanceOf(FaztError);
    expect((err as FaztError).code).toBe("SCHEMA_TOO_NEW");
    expect((err as FaztError).message).toContain("newer");
    expect(digest(path)).toBe(before);
  });

  test("refuses a file that is not a SQLite database and leaves it untouched", async () => {
    const path = join(tempDir(), "data.db");
    writeFileSync(path, "this is not a database, just some text that is long enough to have a header");
    const before = digest(path);
    const err = await openDatabase(path).catch((e) => e);
    expect((err as FaztError).code).toBe("DATABASE_UNREADABLE");
    expect((err as FaztError).message).toContain(path);
    expect((err as FaztError).message).toContain("not a SQLite database");
    expect(digest(path)).toBe(before);
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`) || existsSync(`${path}-journal`)).toBe(
      false,
    );
  });

  test("refuses a folder where the database should be", async () => {
    const path = join(tempDir(), "data.db");
    mkdirSync(path);
    const err = await openDatabase(path).catch((e) => e);
    expect((err as FaztError).code).toBe("DATABASE_UNREADABLE");
    expect((err as FaztError).message).toContain("not a regular file");
  });

  test("with create: false a missing database is an error and no file appears", async () => {
    const path = join(tempDir(), "none.db");
    const err = await openDatabase(path, { create: false }).catch((e) => e);
    expect((err as FaztError).code).toBe("DATABASE_UNREADABLE");
    expect(existsSync(path)).toBe(false);
  });
});

describe("config", () => {
  test("defaults, then validated writes", async () => {
    const store = await openDatabase(join(tempDir(), "data.db"));
    expect(readConfig(store)).toEqual(defaultConfig);
    writeConfig(store, { domain: "Example.COM", port: "8080" });
    expect(readConfig(store).domain).toBe("example.com");
    expect(readConfig(store).port).toBe(8080);
    store.close();
  });

  test("a bad value changes nothing", async () => {
    const store = await openDatabase(join(tempDir(), "data.db"));
    writeConfig(store, { domain: "good.example" });
    for (const bad of [
      { domain: "bad domain", port: 9000 },
      { port: 0 },
      { port: 70000 },
      { env: "staging" },
      { email: "not-an-email" },
      { unknownKey: true },
      { trustedProxies: ["not-an-ip"] },
    ]) {
      expect(() => writeConfig(store, bad)).toThrow(FaztError);
    }
    expect(readConfig(store).domain).toBe("good.example");
    expect(readConfig(store).port).toBe(4698);
    store.close();
  });
});

test("drizzle/ is in step with src/db/schema.ts (drizzle-kit finds nothing to generate)", () => {
  const out = tempDir();
  const root = join(import.meta.dir, "..", "..");
  Bun.spawnSync(["cp", "-r", join(root, "drizzle"), join(out, "drizzle")]);
  const config = join(out, "drizzle.config.ts");
  writeFileSync(
    config,
    `export default { dialect: "sqlite", schema: ${JSON.stringify(join(root, "src/db/schema.ts"))}, out: "./drizzle" };\n`,
  );
  const kit = join(root, "node_modules", ".bin", "drizzle-kit");
  const p = Bun.spawnSync([process.execPath, kit, "generate", `--config=${config}`], { cwd: out });
  const output = p.stdout.toString() + p.stderr.toString();
  expect(p.exitCode).toBe(0);
  expect(output).toContain("No schema changes");
});
