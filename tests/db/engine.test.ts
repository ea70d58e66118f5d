/**
 * The engine contract (src/db/engine/types.ts), run against both engines:
 * the same SQL text, the same values back, the same errors.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { FaztError } from "../../src/core/errors.ts";
import { type Engine, openDatabase, openEngine, toNumberedPlaceholders } from "../../src/db/index.ts";
import { freshDatabase, onServer, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const NOW = 1_764_000_000_123; // past 2^32: milliseconds must come back whole, as numbers

function seedApp(engine: Engine, id = "app_1"): void {
  engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
    id,
    id.replace("app_", "n"),
    true,
    NOW,
    NOW,
  ]);
}

function failureOf(fn: () => unknown): FaztError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FaztError) return e;
    throw e;
  }
  throw new Error("expected a FaztError");
}

describe.each(engines)("engine: $dialect", ({ dialect, target }) => {
  let engine: Engine;
  let where: string;

  test("opens migrated", async () => {
    where = await target();
    engine = await openEngine(where);
    expect(engine.dialect).toBe(dialect as Engine["dialect"]);
    expect(engine.get<{ n: number }>("SELECT count(*) AS n FROM fazt_migrations")?.n).toBeGreaterThan(0);
  });

  test("types round-trip: integer milliseconds, 0/1 booleans, blobs, text, NULL", () => {
    seedApp(engine);
    const app = engine.get<Record<string, unknown>>("SELECT * FROM apps WHERE id = ?", ["app_1"]);
    expect(app).toEqual({
      id: "app_1",
      name: "n1",
      spa: 1,
      current_version_id: null,
      created_at: NOW,
      updated_at: NOW,
    });
    const data = new Uint8Array(256).map((_, i) => i);
    engine.run("INSERT INTO blobs (sha256, size, data, br, gzip, created_at) VALUES (?, ?, ?, ?, ?, ?)", [
      "s1",
      data.length,
      data,
      null,
      new Uint8Array(0),
      NOW,
    ]);
    const blob = engine.get<{ data: Uint8Array; br: null; gzip: Uint8Array; size: number }>(
      "SELECT data, br, gzip, size FROM blobs WHERE sha256 = ?",
      ["s1"],
    );
    expect(blob?.data).toBeInstanceOf(Uint8Array);
    expect([...(blob?.data ?? [])]).toEqual([...data]);
    expect(blob?.br).toBeNull();
    expect(blob?.gzip.length).toBe(0);
    expect(typeof blob?.size).toBe("number");
    const counted = engine.get<{ n: number; total: number }>(
      "SELECT count(*) AS n, CAST(sum(size) AS BIGINT) AS total FROM blobs",
    );
    expect(counted).toEqual({ n: 1, total: 256 });
    expect(engine.get("SELECT * FROM apps WHERE id = ?", ["nope"])).toBeNull();
    expect(engine.all("SELECT * FROM apps WHERE id = ?", ["nope"])).toEqual([]);
  });

  test("? inside a string literal is text, not a placeholder", () => {
    engine.run("INSERT INTO config (key, value, updated_at) VALUES (?, 'what?', ?)", ["q?", NOW]);
    const row = engine.get<{ v: string; k: string }>(
      "SELECT value AS v, 'it''s ?' AS k FROM config WHERE key = ?",
      ["q?"],
    );
    expect(row).toEqual({ v: "what?", k: "it's ?" });
  });

  test("ON CONFLICT DO UPDATE / DO NOTHING and RETURNING, with the number of rows changed", () => {
    const upsert =
      "INSERT INTO config (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at RETURNING value";
    expect(engine.get(upsert, ["u", "1", NOW])).toEqual({ value: "1" });
    expect(engine.get(upsert, ["u", "2", NOW + 1])).toEqual({ value: "2" });
    expect(
      engine.run("INSERT INTO config (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [
        "u",
        "3",
        0,
      ]).changes,
    ).toBe(0);
    expect(engine.run("UPDATE config SET updated_at = ? WHERE key IN (?, ?)", [NOW, "u", "q?"]).changes).toBe(
      2,
    );
    expect(engine.run("DELETE FROM config WHERE key = ?", ["nope"]).changes).toBe(0);
  });

  test("a transaction commits, and rolls back everything when its function throws", () => {
    const value = engine.transaction(() => {
      engine.run("INSERT INTO config (key, value, updated_at) VALUES ('t1', 'a', 0)");
      return 7;
    });
    expect(value).toBe(7);
    expect(() =>
      engine.transaction(() => {
        engine.run("INSERT INTO config (key, value, updated_at) VALUES ('t2', 'a', 0)");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(engine.all("SELECT key FROM config WHERE key IN ('t1', 't2')")).toEqual([{ key: "t1" }]);
  });

  test("nested transactions are savepoints: a failed inner part rolls back alone", () => {
    engine.transaction(() => {
      engine.run("INSERT INTO config (key, value, updated_at) VALUES ('s1', 'outer', 0)");
      expect(() =>
        engine.transaction(() => {
          engine.run("INSERT INTO config (key, value, updated_at) VALUES ('s2', 'inner', 0)");
          // a failing statement too: PostgreSQL aborts the whole transaction unless the savepoint is rolled back
          engine.run("INSERT INTO config (key, value, updated_at) VALUES ('s1', 'dup', 0)");
        }),
      ).toThrow();
      engine.transaction(() =>
        engine.run("INSERT INTO config (key, value, updated_at) VALUES ('s3', 'kept', 0)"),
      );
    });
    expect(engine.all("SELECT key, value FROM config WHERE key LIKE 's_' ORDER BY key")).toEqual([
      { key: "s1", value: "outer" },
      { key: "s3", value: "kept" },
    ]);
  });

  test("an async transaction function is refused and rolled back", () => {
    const e = failureOf(() =>
      engine.transaction(async () => {
        engine.run("INSERT INTO config (key, value, updated_at) VALUES ('async', 'a', 0)");
      }),
    );
    expect(e.message).toContain("synchronous");
    expect(engine.get("SELECT key FROM config WHERE key = 'async'")).toBeNull();
  });

  test("a unique violation is CONFLICT with details.db = unique, a missing parent is foreign_key", () => {
    const dup = failureOf(() =>
      engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES ('app_x', 'n1', 0, 0, 0)"),
    );
    expect(dup.code).toBe("CONFLICT");
    expect(dup.details).toMatchObject({ db: "unique" });
    const orphan = failureOf(() =>
      engine.run(
        "INSERT INTO app_kv (app_id, scope, key, value, updated_at) VALUES ('app_none', '', 'k', 'v', 0)",
      ),
    );
    expect(orphan.code).toBe("CONFLICT");
    expect(orphan.details).toMatchObject({ db: "foreign_key" });
    // the engine is still usable after both
    expect(engine.get<{ n: number }>("SELECT count(*) AS n FROM apps")?.n).toBe(1);
  });

  test("a write blocked by another connection's transaction is UNAVAILABLE with details.db = busy", async () => {
    const other = await openEngine(where);
    try {
      // A short wait for locks on the blocked side, each engine's own way.
      other.exec(dialect === "sqlite" ? "PRAGMA busy_timeout = 100" : "SET lock_timeout = '100ms'");
      const e = engine.transaction(
        () => {
          engine.run("UPDATE apps SET updated_at = ? WHERE id = 'app_1'", [NOW + 1]);
          return failureOf(() => other.run("UPDATE apps SET updated_at = ? WHERE id = 'app_1'", [NOW + 2]));
        },
        { immediate: true },
      );
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.details).toMatchObject({ db: "busy" });
      expect(other.get("SELECT updated_at FROM apps WHERE id = 'app_1'")).toEqual({ updated_at: NOW + 1 });
    } finally {
      other.close();
    }
  });

  test("big result sets and a 4 MiB blob", () => {
    seedApp(engine, "app_big");
    engine.transaction(() => {
      for (let i = 0; i < 20_000; i++) {
        engine.run("INSERT INTO app_kv (app_id, scope, key, value, updated_at) VALUES (?, '', ?, ?, ?)", [
          "app_big",
          `k${String(i).padStart(5, "0")}`,
          `v${i}`,
          NOW + i,
        ]);
      }
    });
    const rows = engine.all<{ key: string; updated_at: number }>(
      "SELECT key, updated_at FROM app_kv WHERE app_id = ? ORDER BY key",
      ["app_big"],
    );
    expect(rows.length).toBe(20_000);
    expect(rows[19_999]).toEqual({ key: "k19999", updated_at: NOW + 19_999 });
    const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    engine.run("INSERT INTO blobs (sha256, size, data, created_at) VALUES ('big', ?, ?, ?)", [
      big.length,
      big,
      NOW,
    ]);
    const back = engine.get<{ data: Uint8Array }>("SELECT data FROM blobs WHERE sha256 = 'big'");
    expect(back?.data.length).toBe(big.length);
    expect(Bun.hash(back?.data ?? new Uint8Array())).toBe(Bun.hash(big));
  });

  test("40 concurrent writers on 4 threads, each with its own engine: no write lost", async () => {
    seedApp(engine, "app_writers");
    engine.run("INSERT INTO config (key, value, updated_at) VALUES ('writes', '0', 0)");
    const threads = 4;
    const count = 10;
    const results = await Promise.all(
      Array.from(
        { length: threads },
        (_, thread) =>
          new Promise<{ made: number; error?: string }>((resolve, reject) => {
            const w = new Worker(join(import.meta.dir, "fixtures", "engine-writer.ts"), {
              workerData: { target: where, thread, count },
            });
            w.once("message", (m) => {
              resolve(m);
              w.terminate();
            });
            w.once("error", reject);
          }),
      ),
    );
    expect(results).toEqual(Array.from({ length: threads }, () => ({ made: count })));
    expect(engine.get("SELECT value FROM config WHERE key = 'writes'")).toEqual({
      value: String(threads * count),
    });
    expect(
      engine.get<{ n: number }>("SELECT count(*) AS n FROM app_kv WHERE app_id = 'app_writers'")?.n,
    ).toBe(threads * count);
  });

  test("closed is closed", () => {
    engine.close();
    expect(() => engine.get("SELECT 1 AS x")).toThrow();
  });
});

describe.skipIf(!postgresAvailable())("engine: postgres only", () => {
  test("a connection killed inside a transaction: a clear error naming the URL without its password, the transaction rolled back, the next call works", async () => {
    const url = await freshDatabase();
    const withPassword = url.replace("postgres@", "postgres:hunter2@");
    const engine = await openEngine(withPassword);
    try {
      const pid = engine.get<{ pid: number }>("SELECT pg_backend_pid() AS pid")?.pid;
      const e = failureOf(() =>
        engine.transaction(() => {
          engine.run("INSERT INTO config (key, value, updated_at) VALUES ('lost', 'a', 0)");
          // synchronous here, so the kill runs in a child process
          const killed = Bun.spawnSync([
            process.execPath,
            "-e",
            `const s = new Bun.SQL(${JSON.stringify(url)}); await s.unsafe("SELECT pg_terminate_backend(${pid})"); await s.close();`,
          ]);
          expect(killed.exitCode).toBe(0);
          const first = failureOf(() =>
            engine.run("INSERT INTO config (key, value, updated_at) VALUES ('lost2', 'a', 0)"),
          );
          // Code that swallows the error and goes on must not write outside the transaction.
          engine.run("INSERT INTO config (key, value, updated_at) VALUES ('lost3', 'a', 0)");
          throw first;
        }),
      );
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.details).toMatchObject({ db: "connection" });
      expect(e.message).toContain("127.0.0.1");
      expect(e.message).not.toContain("hunter2");
      expect(engine.all("SELECT key FROM config WHERE key LIKE 'lost%'")).toEqual([]);
      expect(engine.get("SELECT 1 AS x")).toEqual({ x: 1 });
    } finally {
      engine.close();
    }
  });

  test("a connection killed while idle is replaced before the next call, which succeeds", async () => {
    const url = await freshDatabase();
    const engine = await openEngine(url);
    try {
      const pid = engine.get<{ pid: number }>("SELECT pg_backend_pid() AS pid")?.pid;
      await onServer(url, "SELECT pg_terminate_backend($1)", [pid]);
      await Bun.sleep(300); // the I/O thread sees the close while idle
      const again = engine.get<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(again?.pid).toBeNumber();
      expect(again?.pid).not.toBe(pid);
    } finally {
      engine.close();
    }
  });

  test("an unreachable server: UNAVAILABLE, the URL without its password", async () => {
    const e = await openEngine("postgres://fazt:s3cret@127.0.0.1:1/fazt").then(
      () => new Error("opened"),
      (err) => err,
    );
    expect(e).toBeInstanceOf(FaztError);
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.message).toContain("postgres://fazt@127.0.0.1:1/fazt");
    expect(e.message).not.toContain("s3cret");
  });

  test("two engines on one database migrate it once", async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openEngine(url), openEngine(url)]);
    const rows = await onServer(url, "SELECT number FROM fazt_migrations ORDER BY number");
    expect(rows.length).toBe(a.get<{ n: number }>("SELECT count(*) AS n FROM fazt_migrations")?.n ?? -1);
    a.close();
    b.close();
  });
});

describe("store.engine", () => {
  test("is the store's own connection: same data, and inside the store's transaction it nests as a savepoint", async () => {
    const store = await openDatabase(join(tempDir(), "data.db"));
    try {
      store.sqlite.transaction(() => {
        store.sqlite.query("INSERT INTO config (key, value, updated_at) VALUES ('a', '1', 0)").run();
        expect(store.engine.get("SELECT value FROM config WHERE key = 'a'")).toEqual({ value: "1" });
        expect(() =>
          store.engine.transaction(() => {
            store.engine.run("INSERT INTO config (key, value, updated_at) VALUES ('b', '2', 0)");
            throw new Error("inner");
          }),
        ).toThrow("inner");
      })();
      expect(store.sqlite.query("SELECT key FROM config ORDER BY key").all()).toEqual([{ key: "a" }]);
    } finally {
      store.close();
    }
  });
});

describe("placeholders", () => {
  test("? becomes $n outside literals, identifiers, comments and dollar quotes", () => {
    expect(toNumberedPlaceholders("SELECT ?, '?', \"a?\", ? -- ?\n, /* ? */ ?, $$?$$, $t$?$t$, ?")).toBe(
      "SELECT $1, '?', \"a?\", $2 -- ?\n, /* ? */ $3, $$?$$, $t$?$t$, $4",
    );
    expect(toNumberedPlaceholders("SELECT 'it''s ?', ?")).toBe("SELECT 'it''s ?', $1");
    expect(toNumberedPlaceholders("SELECT E'\\' ?', ?")).toBe("SELECT E'\\' ?', $1");
  });
});
