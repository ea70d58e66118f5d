/**
 * The SQL console on PostgreSQL (src/sql/postgres.ts): the same answers and
 * refusals as on SQLite — one statement, read-only unless asked, 1,000 rows,
 * a time limit — held by PostgreSQL on a real database.
 */
import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import { openEngine } from "../../src/db/index.ts";
import { statementCount } from "../../src/sql/postgres.ts";
import { runSql } from "../../src/sql/run.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";

setDefaultTimeout(60_000);

async function failure(p: Promise<unknown>): Promise<FaztError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FaztError) return e;
    throw e;
  }
  throw new Error("expected a FaztError");
}

test("statements are counted as PostgreSQL's lexer splits them", () => {
  expect(statementCount("SELECT 1")).toBe(1);
  expect(statementCount("SELECT 1;  -- done\n ; ")).toBe(1);
  expect(statementCount("")).toBe(0);
  expect(statementCount(" ; /* nothing */ ;")).toBe(0);
  expect(statementCount("SELECT 'a;b', \"x;y\", $$;$$, $t$ ; $t$ /* ; /* ; */ ; */")).toBe(1);
  expect(statementCount("SELECT E'\\';'; SELECT 2")).toBe(2);
  expect(statementCount("SELECT 'it''s;'; DROP TABLE apps")).toBe(2);
  expect(statementCount("COMMIT; DROP TABLE apps")).toBe(2);
  expect(statementCount("SELECT $1; SELECT 2")).toBe(2);
  expect(statementCount("SELECT 1 -- ; \n")).toBe(1);
});

describe.skipIf(!postgresAvailable())("SQL console on PostgreSQL", () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
    (await openEngine(url)).close(); // migrated: the instance's tables
  });

  test("reads: columns (duplicates kept), parameters, values as on SQLite", async () => {
    const r = await runSql(url, {
      query: "SELECT 1 AS a, 'x' AS a, $1::bigint AS big, '\\x00ff'::bytea AS b, NULL AS n",
      params: [2 ** 60],
    });
    expect(r.columns).toEqual(["a", "a", "big", "b", "n"]);
    expect(r.rows).toEqual([[1, "x", "1152921504606846976", { $bytes: 2 }, null]]);
    expect(r.rowsAffected).toBe(0);
    expect(r.truncated).toBe(false);
  });

  test("at most 1,000 rows, marked truncated", async () => {
    const r = await runSql(url, { query: "SELECT g FROM generate_series(1, 2500) g" });
    expect(r.rows).toHaveLength(1000);
    expect(r.truncated).toBe(true);
  });

  test("a write without write is refused by PostgreSQL and changes nothing; with write it runs", async () => {
    const insert = "INSERT INTO config (key, value, updated_at) VALUES ('sqlpg', '1', 0)";
    expect((await failure(runSql(url, { query: insert }))).code).toBe("READ_ONLY");
    expect((await failure(runSql(url, { query: "CREATE TABLE evil (a int)" }))).code).toBe("READ_ONLY");
    expect((await failure(runSql(url, { query: "SELECT nextval('app_logs_id_seq')" }))).code).toBe(
      "READ_ONLY",
    );
    expect(
      (await runSql(url, { query: "SELECT count(*) AS n FROM config WHERE key = 'sqlpg'" })).rows,
    ).toEqual([[0]]);
    const w = await runSql(url, { query: insert, write: true });
    expect(w.rowsAffected).toBe(1);
    expect(
      (await runSql(url, { query: "SELECT value FROM config WHERE key = $1", params: ["sqlpg"] })).rows,
    ).toEqual([["1"]]);
  });

  test("one statement only: a second (even after COMMIT) is refused before anything runs", async () => {
    for (const query of [
      "SELECT 1; DROP TABLE config",
      "COMMIT; DROP TABLE config",
      "SELECT 'a;b'; DELETE FROM config",
    ]) {
      const e = await failure(runSql(url, { query, write: query.startsWith("SELECT 1") }));
      expect(e.code).toBe("BAD_REQUEST");
      expect(e.message).toContain("one statement at a time");
    }
    expect((await runSql(url, { query: "SELECT count(*) AS n FROM config" })).rows[0]![0]).toBeGreaterThan(0);
    expect((await runSql(url, { query: "SELECT ';' AS s; -- trailing\n" })).rows).toEqual([[";"]]);
    expect((await failure(runSql(url, { query: " ; " }))).code).toBe("BAD_REQUEST");
  });

  test("COPY is refused on a read (TO PROGRAM would run on the database server)", async () => {
    const e = await failure(runSql(url, { query: "/* x */ copy (SELECT 1) TO PROGRAM 'true'" }));
    expect(e.code).toBe("READ_ONLY");
  });

  test("a long query is stopped at the time limit", async () => {
    const e = await failure(runSql(url, { query: "SELECT pg_sleep(10)" }, 300));
    expect(e.code).toBe("TIMEOUT");
  });

  test("SQL errors are BAD_REQUEST naming PostgreSQL's reason", async () => {
    const e = await failure(runSql(url, { query: "SELECT * FROM no_such_table" }));
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.message).toContain("no_such_table");
  });
});
