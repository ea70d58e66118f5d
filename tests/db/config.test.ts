/**
 * Config (src/db/config.ts) on both engines: the same defaults, the same
 * validation, the same stored values, and a refused write changes nothing.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FaztError } from "../../src/core/errors.ts";
import { defaultConfig, type Engine, openEngine, readConfig, writeConfig } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

describe.each(engines)("config: $dialect", ({ target }) => {
  let engine: Engine;
  afterAll(() => engine?.close());

  test("a new database reads the defaults", async () => {
    engine = await openEngine(await target());
    expect(readConfig({ engine })).toEqual(defaultConfig);
  });

  test("a write stores JSON per key and returns the new config", () => {
    const next = writeConfig(
      { engine },
      { domain: "Example.COM", port: "8080", trustedProxies: ["10.0.0.1"] },
    );
    expect(next).toEqual({
      ...defaultConfig,
      domain: "example.com",
      port: 8080,
      trustedProxies: ["10.0.0.1"],
    });
    expect(readConfig({ engine })).toEqual(next);
    const rows = engine.all<{ key: string; value: string; updated_at: number }>(
      "SELECT key, value, updated_at FROM config ORDER BY key",
    );
    expect(rows.map((r) => [r.key, r.value])).toEqual([
      ["domain", '"example.com"'],
      ["port", "8080"],
      ["trustedProxies", '["10.0.0.1"]'],
    ]);
    expect(typeof rows[0]?.updated_at).toBe("number");
  });

  test("an overwrite replaces the value (upsert), null is stored as null", () => {
    writeConfig({ engine }, { port: 9090, email: "ops@example.com" });
    writeConfig({ engine }, { email: null });
    const c = readConfig({ engine });
    expect(c.port).toBe(9090);
    expect(c.email).toBeNull();
    expect(engine.get<{ n: number }>("SELECT count(*) AS n FROM config WHERE key = 'port'")?.n).toBe(1);
  });

  test("a bad value is refused with a clear error and nothing of the patch is written", () => {
    const before = engine.all("SELECT key, value FROM config ORDER BY key");
    let err: unknown;
    try {
      writeConfig({ engine }, { domain: "ok.example", port: 70000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaztError);
    expect((err as FaztError).message).toContain("port");
    expect(() => writeConfig({ engine }, { nope: 1 })).toThrow(FaztError);
    expect(engine.all("SELECT key, value FROM config ORDER BY key")).toEqual(before);
  });

  test("unknown keys from a newer build and hand-edited bad JSON fall back, they do not stop the read", () => {
    engine.run("INSERT INTO config (key, value, updated_at) VALUES (?, ?, ?)", ["fromTheFuture", "1", 1]);
    engine.run("UPDATE config SET value = ? WHERE key = ?", ["{not json", "port"]);
    const c = readConfig({ engine });
    expect(c.port).toBe(defaultConfig.port);
    expect(c.domain).toBe("example.com");
  });
});
