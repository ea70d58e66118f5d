import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { PASSWORD, status } from "./support.ts";

afterAll(cleanupTemp);

const mode = (path: string) => statSync(path).mode & 0o777;
const init = ["server", "init", "--password", PASSWORD];

describe("database path: --db > FAZT_DB_PATH > ~/.fazt/data.db", () => {
  test("default is $HOME/.fazt/data.db", async () => {
    const home = tempDir();
    const r = await fazt(init, { home });
    expect(r.code).toBe(0);
    expect(existsSync(join(home, ".fazt", "data.db"))).toBe(true);
    expect((await status({ home })).database).toBe(join(home, ".fazt", "data.db"));
  });

  const placements: Array<[string, (db: string) => string[]]> = [
    ["--db PATH before the command", (db) => ["--db", db, ...init]],
    ["--db PATH between group and command", (db) => ["server", "--db", db, "init", "--password", PASSWORD]],
    ["--db PATH after the command", (db) => [...init, "--db", db]],
    ["--db=PATH", (db) => [`--db=${db}`, ...init]],
  ];
  for (const [name, args] of placements) {
    test(name, async () => {
      const home = tempDir();
      const db = join(tempDir(), "elsewhere", "my.db");
      const r = await fazt(args(db), { home });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(existsSync(db)).toBe(true);
      expect(existsSync(join(home, ".fazt"))).toBe(false);
      // Another command finds the same database through --db.
      expect((await status({ home }, db)).owner).toBe("admin");
    });
  }

  test("a relative --db is taken from the working directory", async () => {
    const home = tempDir();
    const cwd = tempDir();
    const r = await fazt([...init, "--db", "rel/data.db"], { home, cwd });
    expect(r.code).toBe(0);
    expect(existsSync(join(cwd, "rel", "data.db"))).toBe(true);
  });

  test("FAZT_DB_PATH is used by every command", async () => {
    const home = tempDir();
    const db = join(tempDir(), "from-env.db");
    const env = { FAZT_DB_PATH: db };
    expect((await fazt(init, { home, env })).code).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect(existsSync(join(home, ".fazt"))).toBe(false);
    const set = await fazt(["server", "set-config", "--domain", "env.example"], { home, env });
    expect(set.code).toBe(0);
    const key = await fazt(["server", "create-key", "--name", "ci"], { home, env });
    expect(key.code).toBe(0);
    const s = await status({ home, env });
    expect(s.database).toBe(db);
    expect(s.domain).toBe("env.example");
  });

  test("--db beats FAZT_DB_PATH", async () => {
    const home = tempDir();
    const fromEnv = join(tempDir(), "env.db");
    const fromFlag = join(tempDir(), "flag.db");
    const r = await fazt([...init, "--db", fromFlag], { home, env: { FAZT_DB_PATH: fromEnv } });
    expect(r.code).toBe(0);
    expect(existsSync(fromFlag)).toBe(true);
    expect(existsSync(fromEnv)).toBe(false);
  });
});

describe("file modes", () => {
  test("the folder is created 0700 and the database 0600", async () => {
    const home = tempDir();
    expect((await fazt(init, { home })).code).toBe(0);
    expect(mode(join(home, ".fazt"))).toBe(0o700);
    for (const file of ["data.db", "data.db-wal", "data.db-shm"]) {
      const path = join(home, ".fazt", file);
      if (file === "data.db" || existsSync(path)) expect(mode(path)).toBe(0o600);
    }
  });

  test("nested folders given with --db are created 0700", async () => {
    const base = tempDir();
    const db = join(base, "a", "b", "data.db");
    expect((await fazt([...init, "--db", db], { home: tempDir() })).code).toBe(0);
    expect(mode(join(base, "a"))).toBe(0o700);
    expect(mode(join(base, "a", "b"))).toBe(0o700);
    expect(mode(db)).toBe(0o600);
  });

  test("an existing database with loose permissions is tightened to 0600 when opened", async () => {
    const home = tempDir();
    const db = join(home, ".fazt", "data.db");
    expect((await fazt(init, { home })).code).toBe(0);
    chmodSync(db, 0o644);
    await status({ home });
    expect(mode(db)).toBe(0o600);
  });
});
