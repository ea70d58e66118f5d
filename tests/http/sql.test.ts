/**
 * `POST /api/sql` (SPEC §13): read-only unless `write: true`, enforced by
 * SQLite whatever the statement looks like; owner only; 1,000 rows with
 * `truncated`; stopped after 5 s. Against the real server, its real database
 * file and the real query process.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Account, account, withCookie } from "../helpers/accounts.ts";
import { apiJson, bearer, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

interface SqlResult {
  columns: string[];
  rows: unknown[][];
  rowsAffected: number;
  truncated: boolean;
  ms: number;
}

let s: TestServer;
let owner: Account;
let admin: Account;
let user: Account;
/** Where a disguised write would put a file. */
let outside: string;

const sql = (body: unknown, token: string | null = s.adminToken) =>
  apiJson(s, "POST", "/api/sql", body, token);
const read = async (query: string, params?: unknown[]) =>
  dataOf<SqlResult>(await sql(params ? { query, params } : { query }), 200);

/**
 * Everything the instance keeps, read on a connection of the test's own:
 * every row of every table (but the bookkeeping that authenticating a request
 * writes), the schema and the user_version. Equal before and after = nothing
 * was changed.
 */
function fingerprint(): string {
  const db = new Database(s.store.path, { readonly: true });
  try {
    const tables = db
      .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((t) => t.name)
      .filter((t) => !["api_keys", "sessions", "login_attempts"].includes(t));
    const parts = [
      JSON.stringify(db.query("SELECT type, name, sql FROM sqlite_master ORDER BY name").all()),
      JSON.stringify(db.query("PRAGMA user_version").get()),
    ];
    for (const t of tables)
      parts.push(t, JSON.stringify(db.query(`SELECT * FROM "${t}" ORDER BY rowid`).all()));
    return new Bun.CryptoHasher("sha256").update(parts.join("\n")).digest("hex");
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  s = await startTestServer();
  owner = account(s, "owner");
  admin = account(s, "admin");
  user = account(s, "user");
  outside = tempDir();
  await deployFiles(s, "blog", { "index.html": "<h1>blog</h1>" });
});

afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("reading", () => {
  test("a query answers columns and rows", async () => {
    const r = await read("SELECT name FROM apps ORDER BY name");
    expect(r.columns).toEqual(["name"]);
    expect(r.rows).toEqual([["404"], ["blog"], ["root"]]);
    expect(r.rowsAffected).toBe(0);
    expect(r.truncated).toBe(false);
    expect(typeof r.ms).toBe("number");
  });

  test("parameters are bound, never spliced", async () => {
    const r = await read("SELECT ? AS a, ? + 1 AS b, ? AS c", ["x'); DROP TABLE apps; --", 41, null]);
    expect(r.rows).toEqual([["x'); DROP TABLE apps; --", 42, null]]);
    const wrong = await sql({ query: "SELECT ?", params: [] });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.message).toMatch(/1 parameter/);
  });

  test("values JSON cannot hold: BLOBs as their size, big integers as text; same-named columns all kept", async () => {
    const r = await read("SELECT x'00ff10' AS b, 9007199254740993 AS big, 7 AS n, 1.5 AS f, 1 AS a, 2 AS a");
    expect(r.columns).toEqual(["b", "big", "n", "f", "a", "a"]);
    expect(r.rows).toEqual([[{ $bytes: 3 }, "9007199254740993", 7, 1.5, 1, 2]]);
  });

  test("at most 1,000 rows, with truncated", async () => {
    const r = await read(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000) SELECT x FROM c",
    );
    expect(r.rows).toHaveLength(1000);
    expect(r.rows[999]).toEqual([1000]);
    expect(r.truncated).toBe(true);
    // An endless read stops at the cap too: rows are taken one at a time.
    const endless = await read(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c",
    );
    expect(endless.rows).toHaveLength(1000);
    expect(endless.truncated).toBe(true);
  });

  test("bad SQL and bad bodies are 400s naming the problem", async () => {
    const bad = await sql({ query: "SELEC 1" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/syntax error/);
    for (const body of [
      {},
      { query: "" },
      { query: 1 },
      { query: "SELECT ?", params: [{}] },
      { query: "SELECT 1", x: 1 },
    ]) {
      expect((await sql(body)).status).toBe(400);
    }
    expect((await sql({ query: "   -- nothing here" })).status).toBe(400);
  });
});

describe("writes need write: true, however they are disguised", () => {
  const disguises: Array<[string, string, RegExp]> = [
    ["a plain DELETE", "DELETE FROM apps", /READ_ONLY/],
    ["a CTE in front", "WITH x AS (SELECT 1) DELETE FROM apps WHERE name IN (SELECT 'blog')", /READ_ONLY/],
    ["a comment in front", "/* SELECT */ DELETE FROM apps", /READ_ONLY/],
    ["a ;-joined second statement", "SELECT 1; DELETE FROM apps", /BAD_REQUEST/],
    ["a ;-joined second statement after a ';' string", "SELECT ';' ; DELETE FROM apps", /BAD_REQUEST/],
    ["query_only turned off first", "PRAGMA query_only = 0; DELETE FROM apps", /BAD_REQUEST/],
    ["a pragma that writes", "PRAGMA user_version = 99", /READ_ONLY/],
    ["INSERT … RETURNING", "INSERT INTO config (key, value) VALUES ('x', '1') RETURNING *", /READ_ONLY/],
    ["UPDATE … RETURNING", "UPDATE apps SET spa = 1 RETURNING name", /READ_ONLY/],
    ["REPLACE", "REPLACE INTO config (key, value) VALUES ('x', '1')", /READ_ONLY/],
    ["DDL", "DROP TABLE app_logs", /READ_ONLY/],
    ["a trigger", "CREATE TRIGGER t AFTER INSERT ON apps BEGIN DELETE FROM apps; END", /READ_ONLY/],
    ["a temporary table", "CREATE TEMP TABLE t (a)", /READ_ONLY/],
    [
      "writable_schema then a write",
      "PRAGMA writable_schema = 1; UPDATE sqlite_master SET sql = ''",
      /BAD_REQUEST/,
    ],
  ];
  for (const [what, query, code] of disguises) {
    test(`${what}: refused, nothing changed`, async () => {
      const before = fingerprint();
      const res = await sql({ query });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(code);
      expect(fingerprint()).toBe(before);
    });
  }

  test("VACUUM INTO: refused, and no file is written (a read-only connection alone would write it)", async () => {
    const target = join(outside, "copy.db");
    const res = await sql({ query: `VACUUM INTO '${target}'` });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("READ_ONLY");
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
  });

  test("ATTACH of a new file: refused, and the file is not created", async () => {
    const target = join(outside, "attached.db");
    const res = await sql({ query: `ATTACH '${target}' AS x` });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("READ_ONLY");
    expect(existsSync(target)).toBe(false);
    const uri = await sql({ query: `ATTACH 'file:${target}?mode=rwc' AS x` });
    expect(uri.status).toBe(400);
    expect(existsSync(target)).toBe(false);
  });

  test("a pragma that only changes the connection does not carry over: each query has its own", async () => {
    expect((await sql({ query: "PRAGMA query_only = 0" })).status).toBe(200);
    expect((await sql({ query: "PRAGMA writable_schema = 1" })).status).toBe(200);
    const before = fingerprint();
    const res = await sql({ query: "DELETE FROM apps" });
    expect((await res.json()).error.code).toBe("READ_ONLY");
    expect(fingerprint()).toBe(before);
  });

  test("a comment hiding a second statement is a comment: one statement runs", async () => {
    const before = fingerprint();
    const r = await read("SELECT 1 AS one -- ; DELETE FROM apps");
    expect(r.rows).toEqual([[1]]);
    expect(fingerprint()).toBe(before);
  });

  test("with write: true the statement runs, and answers rowsAffected", async () => {
    const made = await dataOf<SqlResult>(
      await sql({ query: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", write: true }),
      200,
    );
    expect(made.columns).toEqual([]);
    const ins = await dataOf<SqlResult>(
      await sql({
        query: "INSERT INTO notes (body) VALUES (?), (?) RETURNING id, body",
        params: ["a", "b"],
        write: true,
      }),
      200,
    );
    expect(ins.columns).toEqual(["id", "body"]);
    expect(ins.rows).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    expect(ins.rowsAffected).toBe(2);
    const upd = await dataOf<SqlResult>(
      await sql({ query: "UPDATE notes SET body = 'c'", write: true }),
      200,
    );
    expect(upd.rowsAffected).toBe(2);
    expect((await read("SELECT body FROM notes")).rows).toEqual([["c"], ["c"]]);
  });

  test("a write returning more than 1,000 rows still happens whole; the answer is cut", async () => {
    const r = await dataOf<SqlResult>(
      await sql({
        query:
          "INSERT INTO notes (body) SELECT 'row ' || x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1500) SELECT x FROM c) RETURNING id",
        write: true,
      }),
      200,
    );
    expect(r.rows).toHaveLength(1000);
    expect(r.truncated).toBe(true);
    expect(r.rowsAffected).toBe(1500);
    expect((await read("SELECT count(*) FROM notes")).rows).toEqual([[1502]]);
  });

  test("a write through the console is seen by the server (blog becomes a single-page app)", async () => {
    await dataOf(
      await sql({
        query: "UPDATE versions SET spa = 1 WHERE app_id = (SELECT id FROM apps WHERE name = 'blog')",
        write: true,
      }),
      200,
    );
    const res = await s.request("/some/page", { host: "blog.localhost" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("blog");
  });
});

describe("the 5 s limit interrupts the statement", () => {
  test("an endless read is stopped: 504 TIMEOUT; a third query while two run is turned away", async () => {
    const endless = {
      query: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
    };
    const two = [sql(endless), sql(endless)];
    // Sequencing only (both have reached the server by then), not a measure of speed.
    await Bun.sleep(1000);
    const third = await sql({ query: "SELECT 1" });
    expect(third.status).toBe(503);
    expect((await third.json()).error.code).toBe("UNAVAILABLE");
    for (const res of await Promise.all(two)) {
      expect(res.status).toBe(504);
      expect((await res.json()).error.code).toBe("TIMEOUT");
    }
    expect((await sql({ query: "SELECT 1" })).status).toBe(200);
  });

  test("an endless write is stopped and rolled back; the server writes on", async () => {
    const before = (await read("SELECT count(*) FROM notes")).rows;
    const res = await sql({
      query:
        "INSERT INTO notes (body) SELECT randomblob(64) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c)",
      write: true,
    });
    expect(res.status).toBe(504);
    expect((await read("SELECT count(*) FROM notes")).rows).toEqual(before);
    expect((await read("PRAGMA integrity_check")).rows).toEqual([["ok"]]);
    // The killed writer's lock went with it.
    await deployFiles(s, "after", { "index.html": "still writing" });
  });
});

describe("owner only", () => {
  const q = { query: "SELECT 1" };
  test("the owner's session and the owner's keys may", async () => {
    const bySession = await s.request("/api/sql", {
      method: "POST",
      headers: { ...withCookie(owner), "content-type": "application/json" },
      body: JSON.stringify(q),
    });
    expect(bySession.status).toBe(200);
    expect((await sql(q, owner.key)).status).toBe(200);
  });

  test("an admin's session or key, a user, a deploy key: 403; no credentials: 401", async () => {
    const adminSession = await s.request("/api/sql", {
      method: "POST",
      headers: { ...withCookie(admin), "content-type": "application/json" },
      body: JSON.stringify(q),
    });
    expect(adminSession.status).toBe(403);
    expect((await adminSession.json()).error.message).toMatch(/owner/);
    const adminKey = await sql(q, admin.key);
    expect(adminKey.status).toBe(403);
    expect((await adminKey.json()).error.message).toMatch(/owner/);
    const userSession = await s.request("/api/sql", {
      method: "POST",
      headers: { ...withCookie(user), "content-type": "application/json" },
      body: JSON.stringify(q),
    });
    expect(userSession.status).toBe(403);
    const deployKey = await dataOf<{ token: string }>(
      await apiJson(s, "POST", "/api/keys", { name: "ci", scope: "deploy" }),
      201,
    );
    expect((await sql(q, deployKey.token)).status).toBe(403);
    expect((await sql(q, null)).status).toBe(401);
    // A refused write is refused before it runs.
    const before = fingerprint();
    const res = await s.request("/api/sql", {
      method: "POST",
      headers: { ...bearer(admin.key!), "content-type": "application/json" },
      body: JSON.stringify({ query: "DELETE FROM apps", write: true }),
    });
    expect(res.status).toBe(403);
    expect(fingerprint()).toBe(before);
  });
});
