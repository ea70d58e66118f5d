import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { bannerPassword, expectOneLineError, ownerHash, PASSWORD, readDb, status } from "./support.ts";

afterAll(cleanupTemp);

/** A fresh HOME with an initialised database (owner `admin`, password PASSWORD). */
async function initialised(...extra: string[]): Promise<{ home: string; db: string }> {
  const home = tempDir();
  const r = await fazt(["server", "init", "--password", PASSWORD, ...extra], { home });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return { home, db: join(home, ".fazt", "data.db") };
}

describe("server init", () => {
  test("creates the owner and prints a generated password once", async () => {
    const home = tempDir();
    const first = await fazt(["server", "init"], { home });
    expect(first.code).toBe(0);
    const password = bannerPassword(first.stdout);
    expect(password).toMatch(/^[a-z2-7]{16,}$/);
    const db = join(home, ".fazt", "data.db");
    expect(await Bun.password.verify(password!, ownerHash(db))).toBe(true);

    // Re-running is a no-op: no new password, same owner.
    const hash = ownerHash(db);
    const again = await fazt(["server", "init"], { home });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already initialised");
    expect(bannerPassword(again.stdout)).toBeUndefined();
    expect(ownerHash(db)).toBe(hash);
    expect(readDb(db, (d) => d.query("SELECT id FROM users").all())).toHaveLength(1);
  });

  test("with --password prints no password and stores that one", async () => {
    const home = tempDir();
    const r = await fazt(["server", "init", "--password", PASSWORD, "--username", "Owner1"], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(PASSWORD);
    expect(bannerPassword(r.stdout)).toBeUndefined();
    const db = join(home, ".fazt", "data.db");
    expect(await Bun.password.verify(PASSWORD, ownerHash(db))).toBe(true);
    expect((await status({ home })).owner).toBe("owner1");
  });

  test("--format json reports the owner and the generated password", async () => {
    const r = await fazt(["server", "init", "--format", "json"], { home: tempDir() });
    const data = (JSON.parse(r.stdout) as { data: Record<string, unknown> }).data;
    expect(data.owner).toBe("admin");
    expect(data.created).toBe(true);
    expect(data.password).toMatch(/^[a-z2-7]{16,}$/);
  });

  test("re-running with --username/--password is a clear conflict that changes nothing", async () => {
    const { home, db } = await initialised();
    const hash = ownerHash(db);
    for (const flags of [
      ["--username", "bob"],
      ["--password", "another-password"],
    ]) {
      const r = await fazt(["server", "init", ...flags], { home });
      expectOneLineError(r, /already has an owner.*set-credentials/);
    }
    expect(ownerHash(db)).toBe(hash);
    expect((await status({ home })).owner).toBe("admin");
  });

  test("a refused re-run does not apply its other flags either", async () => {
    const { home } = await initialised("--domain", "first.example");
    const r = await fazt(["server", "init", "--domain", "second.example", "--password", "x-password"], {
      home,
    });
    expectOneLineError(r, /already has an owner/);
    expect((await status({ home })).domain).toBe("first.example");
  });

  test("--domain and --port are stored", async () => {
    const { home } = await initialised("--domain", "Example.COM", "--port", "8123");
    const s = await status({ home });
    expect(s.domain).toBe("example.com");
    expect(s.port).toBe(8123);
    expect(s.running).toBe(false);
  });
});

describe("server set-config and status", () => {
  test("changes the stored values", async () => {
    const { home } = await initialised();
    const r = await fazt(
      [
        "server",
        "set-config",
        "--domain",
        "cloud.example",
        "--port",
        "9000",
        "--env",
        "development",
        "--https",
        "on",
        "--email",
        "me@cloud.example",
        "--format",
        "json",
      ],
      { home },
    );
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { data: { email: string } }).data.email).toBe("me@cloud.example");
    const s = await status({ home });
    expect([s.domain, s.port, s.env, s.https]).toEqual(["cloud.example", 9000, "development", true]);
    expect((await fazt(["server", "set-config", "--https", "off"], { home })).code).toBe(0);
    expect((await status({ home })).https).toBe(false);
  });

  test("a refused value changes nothing, not even the valid flags beside it", async () => {
    const { home } = await initialised();
    const before = await status({ home });
    const r = await fazt(["server", "set-config", "--domain", "new.example", "--env", "staging"], { home });
    expectOneLineError(r, /env/);
    expect(await status({ home })).toEqual(before);
  });

  test("with no flags is a usage error", async () => {
    const { home } = await initialised();
    expectOneLineError(await fazt(["server", "set-config"], { home }), /nothing to change/);
  });

  for (const command of [
    ["server", "status"],
    ["server", "set-config", "--domain", "x.example"],
  ]) {
    test(`fazt ${command.join(" ")} on a missing database: one clear line, no file created`, async () => {
      const home = tempDir();
      const r = await fazt(command, { home });
      expectOneLineError(r, /no database at .*data\.db.*fazt server init/);
      expect(existsSync(join(home, ".fazt", "data.db"))).toBe(false);
    });
  }
});

describe("server set-credentials", () => {
  test("--password-stdin sets a password the stored hash verifies", async () => {
    const { home, db } = await initialised();
    const r = await fazt(["server", "set-credentials", "--password-stdin"], {
      home,
      stdin: "newpassword1\n",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("newpassword1");
    expect(await Bun.password.verify("newpassword1", ownerHash(db))).toBe(true);
    expect(await Bun.password.verify(PASSWORD, ownerHash(db))).toBe(false);
  });

  test("--username renames the owner and keeps the password", async () => {
    const { home, db } = await initialised();
    const r = await fazt(["server", "set-credentials", "--username", "alice"], { home });
    expect(r.code).toBe(0);
    expect((await status({ home })).owner).toBe("alice");
    expect(await Bun.password.verify(PASSWORD, ownerHash(db))).toBe(true);
  });

  test("a too-short password is refused and the old one kept", async () => {
    const { home, db } = await initialised();
    const viaStdin = await fazt(["server", "set-credentials", "--password-stdin"], {
      home,
      stdin: "short\n",
    });
    expectOneLineError(viaStdin, /password.*at least 8/);
    const viaFlag = await fazt(["server", "set-credentials", "--password", "short"], { home });
    expectOneLineError(viaFlag, /password.*at least 8/);
    expect(await Bun.password.verify(PASSWORD, ownerHash(db))).toBe(true);
  });

  test("--password with --password-stdin is refused", async () => {
    const { home } = await initialised();
    const r = await fazt(["server", "set-credentials", "--password", "abcdefghij", "--password-stdin"], {
      home,
      stdin: "newpassword1\n",
    });
    expectOneLineError(r, /either/);
  });
});

describe("server create-key", () => {
  test("returns a token once; the database keeps only its sha256", async () => {
    const { home, db } = await initialised();
    const r = await fazt(["server", "create-key", "--name", "ci", "--scope", "deploy", "--format", "json"], {
      home,
    });
    expect(r.code).toBe(0);
    const { data } = JSON.parse(r.stdout) as { data: { token: string; id: string; scope: string } };
    const m = /^fazt_(key_[a-z2-7]+)_([a-z2-7]+)$/.exec(data.token);
    expect(m).not.toBeNull();
    const [, id, secret] = m!;
    expect(data.id).toBe(id!);
    expect(data.scope).toBe("deploy");

    const rows = readDb(db, (d) => d.query<Record<string, unknown>, []>("SELECT * FROM api_keys").all());
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.id).toBe(id!);
    expect(row.scope).toBe("deploy");
    expect(row.secret_hash).toBe(new Bun.CryptoHasher("sha256").update(secret!).digest("hex"));
    for (const value of Object.values(row)) expect(String(value)).not.toContain(secret!);
    // Nor anywhere else in the file.
    expect(Buffer.from(await Bun.file(db).arrayBuffer()).includes(secret!)).toBe(false);
  });

  test("defaults to an admin key", async () => {
    const { home } = await initialised();
    const r = await fazt(["server", "create-key", "--name", "ops", "--format", "json"], { home });
    expect((JSON.parse(r.stdout) as { data: { scope: string } }).data.scope).toBe("admin");
  });

  test("--scope root is refused and no key is stored", async () => {
    const { home, db } = await initialised();
    const r = await fazt(["server", "create-key", "--name", "ci", "--scope", "root"], { home });
    expectOneLineError(r, /scope.*admin or deploy/);
    expect(readDb(db, (d) => d.query("SELECT id FROM api_keys").all())).toHaveLength(0);
  });
});
