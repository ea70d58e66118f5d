/**
 * `fazt sql "QUERY" [--write] [--param V]…` (SPEC §10, §13) as a process,
 * against a running `fazt server start`: through the `local` peer (whose key
 * the CLI mints with the database in hand, so it acts as the owner) and
 * through a peer holding an admin's key (refused).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApiKey } from "../../src/auth/api-keys.ts";
import { newId } from "../../src/core/ids.ts";
import { openDatabase } from "../../src/db/index.ts";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { data, type Instance, startInstance, stopInstances } from "./instance.ts";
import { expectOneLineError, PASSWORD, readDb } from "./support.ts";

let inst: Instance;

interface SqlResult {
  columns: string[];
  rows: unknown[][];
  rowsAffected: number;
  truncated: boolean;
}

const appCount = () =>
  readDb(inst.db, (d) => d.query<{ n: number }, []>("SELECT count(*) AS n FROM apps").get()!.n);

beforeAll(async () => {
  inst = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

describe("fazt sql", () => {
  test("prints the rows as a table of columns", async () => {
    const r = await inst.run(["sql", "SELECT name, spa FROM apps ORDER BY name"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^name\s+spa$/);
    expect(lines[1]).toMatch(/^404\s+0$/);
    expect(lines[2]).toMatch(/^root\s+0$/);
    expect(lines[3]).toBe("2 rows");
  });

  test("--format json prints the data; NULL, bytes and line breaks are shown plainly in text", async () => {
    const json = await inst.run(["sql", "SELECT 1 AS a, NULL AS b", "--format", "json"]);
    expect(data<SqlResult>(json)).toMatchObject({
      columns: ["a", "b"],
      rows: [[1, null]],
      rowsAffected: 0,
      truncated: false,
    });
    const text = await inst.run(["sql", "SELECT NULL AS n, x'0102' AS b, 'two\nlines' AS t"]);
    expect(text.stdout.split("\n")[1]).toMatch(/^NULL\s+<2 bytes>\s+two\\nlines$/);
  });

  test("--param binds values in order, as text", async () => {
    const r = await inst.run([
      "sql",
      "SELECT ? || ? AS joined",
      "--param",
      "a b",
      "--param=c",
      "--format",
      "json",
    ]);
    expect(data<SqlResult>(r).rows).toEqual([["a bc"]]);
  });

  test("says when the rows were cut at 1,000", async () => {
    const r = await inst.run([
      "sql",
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("1000 rows (truncated: the first 1000 are shown)");
  });

  test("a write without --write is refused however it is dressed, and changes nothing", async () => {
    const before = appCount();
    for (const query of [
      "DELETE FROM apps WHERE name = 'root'",
      "WITH x AS (SELECT 1) DELETE FROM apps WHERE name = 'root'",
      "SELECT 1; DELETE FROM apps WHERE name = 'root'",
      "PRAGMA user_version = 1",
    ]) {
      expectOneLineError(await inst.run(["sql", query]), /write|one statement/);
    }
    expect(appCount()).toBe(before);
  });

  test("--write runs it and says how many rows it changed", async () => {
    const made = await inst.run(["sql", "CREATE TABLE notes (body TEXT)", "--write"]);
    expect(made.code).toBe(0);
    const r = await inst.run([
      "sql",
      "INSERT INTO notes VALUES (?), (?)",
      "--param",
      "x",
      "--param",
      "y",
      "--write",
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("2 rows affected");
    const count = readDb(
      inst.db,
      (d) => d.query<{ n: number }, []>("SELECT count(*) AS n FROM notes").get()!.n,
    );
    expect(count).toBe(2);
  });

  test("bad SQL is one line naming SQLite's complaint", async () => {
    expectOneLineError(await inst.run(["sql", "SELEC 1"]), /syntax error/);
  });

  test("a peer with an admin's key (not the owner's) is refused", async () => {
    const store = await openDatabase(inst.db);
    let token: string;
    try {
      const id = newId("usr");
      const now = Date.now();
      store.sqlite
        .query(
          "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, 'admin@example.test', 'admin', ?, ?)",
        )
        .run(id, now, now);
      token = createApiKey(store, { name: "admin's", scope: "admin" }, id).token;
    } finally {
      store.close();
    }
    const add = await inst.run([
      "peer",
      "add",
      "asadmin",
      "--url",
      `http://127.0.0.1:${inst.port}`,
      "--token",
      token,
    ]);
    expect(add.code).toBe(0);
    expectOneLineError(await inst.run(["@asadmin", "sql", "SELECT 1"]), /owner/);
    // The owner's own peer still may.
    expect((await inst.run(["@local", "sql", "SELECT 1"])).code).toBe(0);
  });
});

describe("the compiled binary", () => {
  // The query process is the program itself started with a hidden argument (src/sql/run.ts):
  // inside the binary that is the binary, not `bun src/main.ts`.
  let binary = "";
  let server: ServerProcess | undefined;
  const home = tempDir();
  beforeAll(async () => {
    binary = ensureBinary("linux-x64");
    const port = freePort();
    const init = await fazt(["server", "init", "--password", PASSWORD, "--port", String(port)], {
      home,
      binary,
    });
    expect(init.code).toBe(0);
    server = await startServerProcess([], { home, port, binary });
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  test("reads, refuses a write without --write, writes with it", async () => {
    const r = await fazt(["sql", "SELECT name FROM apps ORDER BY name", "--format", "json"], {
      home,
      binary,
    });
    expect(r.stderr).toBe("");
    expect(data<SqlResult>(r).rows).toEqual([["404"], ["root"]]);
    expectOneLineError(await fazt(["sql", "DELETE FROM apps"], { home, binary }), /write/);
    const w = await fazt(["sql", "UPDATE apps SET spa = 0", "--write"], { home, binary });
    expect(w.stdout.trim()).toBe("2 rows affected");
  });
});
