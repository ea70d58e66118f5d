/**
 * The operations' own tables on both engines (SQLite file, PostgreSQL):
 * running servers, certificates and ACME challenge tokens, local peers, and
 * backups (on PostgreSQL a portable SQLite snapshot; restore onto it refused).
 * On PostgreSQL "another node" is a second engine on the same database.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import {
  addPeer,
  defaultPeer,
  listPeers,
  removePeer,
  saveLocalPeer,
  setDefaultPeer,
} from "../../src/cli/peer/store.ts";
import { FaztError } from "../../src/core/errors.ts";
import {
  type Engine,
  openEngine,
  readConfig,
  resolveDbPath,
  trySingleNodeLock,
  writeConfig,
} from "../../src/db/index.ts";
import { backupDir, createBackup } from "../../src/ops/backups.ts";
import { accountKey, ChallengeTokens, loadCert, saveCert } from "../../src/ops/https/acme.ts";
import { restoreBackup } from "../../src/ops/restore.ts";
import { findRunningServer, recordRunningServer, STALE_MS } from "../../src/ops/running.ts";
import { selfSigned } from "../helpers/certs.ts";
import { fazt } from "../helpers/cli.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { requireTool } from "../helpers/tools.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const hasOpenssl = requireTool("openssl", "makes a self-signed certificate (apt-get install openssl)");

describe.each(engines)("ops tables: $dialect", ({ dialect, target }) => {
  let where: string;
  /** Two connections to one database: two nodes on PostgreSQL, two processes' connections on SQLite. */
  let node1: Engine;
  let node2: Engine;
  afterAll(() => {
    node1?.close();
    node2?.close();
  });

  test("two engines on one database", async () => {
    where = await target();
    node1 = await openEngine(where);
    node2 = await openEngine(where);
    expect(node1.dialect).toBe(dialect as Engine["dialect"]);
  });

  test("running servers: recorded, found by the other connection, touched, stale rows removed, cleared", () => {
    const now = Date.now();
    const record = recordRunningServer(
      { engine: node1 },
      { listen: "0.0.0.0", port: 4711, https: true },
      now,
    );
    const found = findRunningServer({ engine: node2 }, now);
    expect(found).toMatchObject({
      id: record.id,
      pid: process.pid,
      port: 4711,
      https: true,
      listen: "0.0.0.0",
    });
    expect(found?.hostname).toBe(hostname());
    expect(typeof found?.startedAt).toBe("number");
    // A crashed server's row (a pid that does not live here) is judged stale and removed by a reader.
    node2.run(
      "INSERT INTO running_servers (id, pid, hostname, listen, port, https, started_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ["srv_dead", 2 ** 22 + 12345, hostname(), "127.0.0.1", 4712, false, now + 1, now + 1],
    );
    expect(findRunningServer({ engine: node1 }, now)?.id).toBe(record.id);
    expect(node1.get("SELECT id FROM running_servers WHERE id = ?", ["srv_dead"])).toBeNull();
    // Seen too long ago: stale too, even on another machine.
    expect(findRunningServer({ engine: node1 }, Date.now() + STALE_MS + 1000)).toBeNull();
    record.clear();
    expect(node2.get<{ n: number }>("SELECT count(*) AS n FROM running_servers")?.n).toBe(0);
  });

  test.skipIf(!hasOpenssl)("certificates: saved by one node, loaded by the other, replaced in place", () => {
    const first = selfSigned(["ops.example", "admin.ops.example"]);
    saveCert(
      { engine: node1 },
      { name: "ops.example", ...first, issuedAt: 1_764_000_000_123, expiresAt: 1_771_000_000_456 },
    );
    const loaded = loadCert({ engine: node2 }, "ops.example");
    expect(loaded).toMatchObject({
      name: "ops.example",
      certPem: first.certPem,
      keyPem: first.keyPem,
      issuedAt: 1_764_000_000_123,
      expiresAt: 1_771_000_000_456,
    });
    expect(loaded?.names.sort()).toEqual(["admin.ops.example", "ops.example"]);
    const second = selfSigned(["ops.example", "admin.ops.example", "blog.ops.example"]);
    saveCert(
      { engine: node2 },
      { name: "ops.example", ...second, issuedAt: 1_764_000_000_999, expiresAt: 1_771_000_000_999 },
    );
    expect(loadCert({ engine: node1 }, "ops.example")?.names).toContain("blog.ops.example");
    expect(
      node1.get<{ n: number }>("SELECT count(*) AS n FROM certificates WHERE name = ?", ["ops.example"])?.n,
    ).toBe(1);
    expect(loadCert({ engine: node1 }, "nothing.example")).toBeNull();
  });

  test("the ACME account key is made once and shared by every node", async () => {
    const a = await accountKey({ engine: node1 });
    const b = await accountKey({ engine: node2 });
    expect(a.key).toContain("PRIVATE KEY");
    expect(b).toEqual(a);
  });

  test("a challenge token set on one node is answered by the other, until deleted or expired", () => {
    const tokens1 = new ChallengeTokens({ engine: node1 });
    const tokens2 = new ChallengeTokens({ engine: node2 });
    const path = (t: string) => `/.well-known/acme-challenge/${t}`;
    tokens1.set("tok_AbC-123", "tok_AbC-123.thumbprint");
    expect(tokens1.answer(path("tok_AbC-123"))).toBe("tok_AbC-123.thumbprint");
    expect(tokens2.answer(path("tok_AbC-123"))).toBe("tok_AbC-123.thumbprint");
    // Never a certificate row nor anything that is not a token.
    expect(tokens2.answer(path("ops.example"))).toBeNull();
    expect(tokens2.answer(path("../acme-account"))).toBeNull();
    expect(tokens2.answer("/elsewhere/tok_AbC-123")).toBeNull();
    tokens1.delete("tok_AbC-123");
    expect(tokens2.answer(path("tok_AbC-123"))).toBeNull();
    // A row left behind by a node that died mid-order stops answering once expired.
    node1.run(
      "INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?, ?, '', ?, ?)",
      ["acme-challenge/old", "old.thumb", 1, Date.now() - 1],
    );
    expect(tokens2.answer(path("old"))).toBeNull();
    tokens2.set("fresh", "fresh.thumb"); // and the next order sweeps it
    expect(node1.get("SELECT name FROM certificates WHERE name = ?", ["acme-challenge/old"])).toBeNull();
    // The account row is untouched by all of this.
    expect(node1.get("SELECT name FROM certificates WHERE name = 'acme-account'")).not.toBeNull();
  });

  test("local peers: added, defaulted, listed and removed through the engine", () => {
    const db = { engine: node1 };
    const token = "fazt_key_abcdefgh_secretsecret";
    expect(addPeer(db, { name: "Prod", url: "https://admin.example.com/", token })).toMatchObject({
      name: "prod",
      url: "https://admin.example.com",
      isDefault: true,
    });
    addPeer(db, { name: "staging", url: "http://10.0.0.2:4698", token });
    saveLocalPeer(db, "http://127.0.0.1:4698", token);
    saveLocalPeer(db, "http://127.0.0.1:4699", token);
    expect(() => addPeer(db, { name: "prod", url: "https://x.example", token })).toThrow(FaztError);
    setDefaultPeer({ engine: node2 }, "staging");
    expect(defaultPeer(db)?.name).toBe("staging");
    expect(listPeers(db).map((p) => [p.name, p.isDefault, p.url])).toEqual([
      ["local", false, "http://127.0.0.1:4699"],
      ["prod", false, "https://admin.example.com"],
      ["staging", true, "http://10.0.0.2:4698"],
    ]);
    removePeer(db, "prod");
    expect(listPeers(db).map((p) => p.name)).toEqual(["local", "staging"]);
  });

  test("a backup is a SQLite file holding the database's rows, checked, written once", async () => {
    writeConfig({ engine: node1 }, { domain: "backup.example", keepVersions: 3 });
    node1.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
      "app_b",
      "blog",
      true,
      1_764_000_000_123,
      1_764_000_000_123,
    ]);
    const file = join(tempDir(), "snap", "one.db");
    const info = createBackup({ engine: node2, path: where }, file, "by hand");
    expect(info.file).toBe(file);
    expect(info.bytes).toBeGreaterThan(0);
    expect(readFileSync(file).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    expect(existsSync(`${file}-wal`)).toBe(false);
    const snap = await openEngine(file, { create: false });
    try {
      expect(snap.dialect).toBe("sqlite");
      expect(readConfig({ engine: snap })).toMatchObject({ domain: "backup.example", keepVersions: 3 });
      expect(snap.get("SELECT id, name, spa, created_at FROM apps WHERE name = 'blog'")).toEqual({
        id: "app_b",
        name: "blog",
        spa: 1,
        created_at: 1_764_000_000_123,
      });
    } finally {
      snap.close();
    }
    expect(() => createBackup({ engine: node1, path: where }, file)).toThrow("already exists");
  });
});

describe.skipIf(!postgresAvailable())("ops on postgres only", () => {
  let url: string;
  let node1: Engine;
  let node2: Engine;
  afterAll(() => {
    node1?.close();
    node2?.close();
  });

  test("two nodes", async () => {
    url = await freshDatabase();
    node1 = await openEngine(url);
    node2 = await openEngine(url);
  });

  test("one node writes a backup at a time: the other is told to try again, and nothing is written", () => {
    const release = trySingleNodeLock(node1, "backup");
    expect(release).not.toBeNull();
    const file = join(tempDir(), "busy.db");
    let err: unknown;
    try {
      createBackup({ engine: node2, path: url }, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaztError);
    expect((err as FaztError).code).toBe("CONFLICT");
    expect((err as FaztError).message).toContain("another node is writing a backup");
    expect(existsSync(file)).toBe(false);
    release?.();
    expect(createBackup({ engine: node2, path: url }, file).file).toBe(file);
  });

  test("snapshots of a PostgreSQL database go to the backups folder of the default database place", () => {
    expect(backupDir(url)).toBe(join(dirname(resolveDbPath()), "backups"));
    expect(backupDir(url.replace("postgres://", "postgresql://"))).toBe(
      join(dirname(resolveDbPath()), "backups"),
    );
  });

  test("restoring onto PostgreSQL is refused, naming fazt db copy and never the password", async () => {
    const withPassword = url.replace("postgres@", "postgres:s3cret-pw@");
    const file = join(tempDir(), "r.db");
    createBackup({ engine: node1, path: url }, file);
    let err: unknown;
    try {
      await restoreBackup(withPassword, file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaztError);
    const message = (err as FaztError).message;
    expect(message).toContain("fazt db copy --from BACKUP.db");
    expect(message).toContain("nothing was changed");
    expect(message).not.toContain("s3cret-pw");
    expect(node1.get<{ n: number }>("SELECT count(*) AS n FROM fazt_migrations")?.n).toBeGreaterThan(0);
  });

  test("the CLI: `backup create` on PostgreSQL writes a SQLite snapshot; `backup restore` onto it is refused", async () => {
    writeConfig({ engine: node1 }, { domain: "cli.example" });
    const home = tempDir();
    const made = await fazt(["--db", url, "--format", "json", "backup", "create"], { home });
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const folder = join(home, ".fazt", "backups");
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    const file = join(folder, files[0] as string);
    expect(made.stdout).toContain(file);
    const snap = await openEngine(file, { create: false });
    try {
      expect(readConfig({ engine: snap }).domain).toBe("cli.example");
    } finally {
      snap.close();
    }
    const cwd = tempDir();
    const refused = await fazt(["backup", "restore", file], { home, cwd, env: { FAZT_DATABASE_URL: url } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("fazt db copy");
    expect(readdirSync(cwd)).toEqual([]);
    expect(readConfig({ engine: node2 }).domain).toBe("cli.example");
  });
});
