/**
 * The change channel (src/db/notify.ts) on both engines: a publish on one
 * engine is heard through another engine's channel (another connection, as
 * on another node or in another process), and on PostgreSQL a killed listen
 * connection comes back, telling every subscriber `stale` first.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Change, type Changes, type Engine, openChanges, openEngine } from "../../src/db/index.ts";
import { freshDatabase, onServer, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

/** Resolves with the first change `pick` accepts, or rejects after `ms`. */
function next(changes: Changes, topic: Change["topic"], pick: (c: Change) => boolean, ms = 1000) {
  return new Promise<Change>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${topic} change within ${ms} ms`));
    }, ms);
    const off = changes.subscribe(topic, (c) => {
      if (!pick(c)) return;
      clearTimeout(timer);
      off();
      resolve(c);
    });
  });
}

describe.each(engines)("changes: $dialect", ({ dialect, target }) => {
  let url: string;
  let a: Engine;
  let b: Engine;
  let onA: Changes;
  let onB: Changes;

  test("two engines on one database, each with its channel", async () => {
    url = await target();
    a = await openEngine(url);
    b = await openEngine(url);
    onA = await openChanges(a, { url });
    onB = await openChanges(b, { url });
  });

  test("a publish reaches this process's subscribers at once, with its payload", () => {
    const seen: Change[] = [];
    const off = onA.subscribe("alias", (c) => seen.push(c));
    onA.publish("alias", { name: "blog" });
    off();
    onA.publish("alias", { name: "after" });
    expect(seen).toEqual([{ topic: "alias", payload: { name: "blog" }, stale: false }]);
  });

  test("a publish after a commit on one engine is heard through the other within 1 s", async () => {
    // On PostgreSQL the insert into apps is heard first (a trigger's, no payload): wait for the publish.
    const heard = next(onB, "activation", (c) => dialect === "sqlite" || c.payload !== undefined);
    a.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
      "app_1",
      "one",
      0,
      1,
      1,
    ]);
    onA.publish("activation", { app: "app_1" });
    const change = await heard;
    // PostgreSQL carries the topic and payload; SQLite's other connection only knows something changed.
    if (dialect === "postgres")
      expect(change).toEqual({ topic: "activation", payload: { app: "app_1" }, stale: false });
    else expect(change.stale).toBe(true);
  });

  test("an unknown topic is refused, and nothing is sent", () => {
    expect(() => onA.publish("nope" as Change["topic"])).toThrow(/unknown change topic/);
    expect(() => onA.subscribe("nope" as Change["topic"], () => {})).toThrow(/unknown change topic/);
  });

  test("a throwing subscriber does not stop the others", () => {
    const seen: string[] = [];
    const offs = [
      onA.subscribe("env", () => {
        throw new Error("boom");
      }),
      onA.subscribe("env", () => seen.push("second")),
    ];
    const errors = console.error;
    console.error = () => {};
    try {
      onA.publish("env", null);
    } finally {
      console.error = errors;
    }
    for (const off of offs) off();
    expect(seen).toEqual(["second"]);
  });

  if (dialect === "postgres") {
    test("a NOTIFY inside a rolled-back transaction is never heard; a committed one is", async () => {
      const heard: unknown[] = [];
      const off = onB.subscribe("key", (c) => heard.push(c.payload));
      expect(() =>
        a.transaction(() => {
          onA.publish("key", { id: "rolled-back" });
          throw new Error("undo");
        }),
      ).toThrow("undo");
      const committed = next(onB, "key", (c) => (c.payload as { id: string }).id === "committed");
      a.transaction(() => onA.publish("key", { id: "committed" }));
      await committed;
      off();
      expect(heard).toEqual([{ id: "committed" }]);
    });

    test("a write to a cached table is heard as its topic through the other engine, without any publish", async () => {
      const alias = next(onB, "alias", (c) => !c.stale && c.payload === undefined);
      a.run("INSERT INTO aliases (name, type, app_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)", [
        "www",
        "app",
        "app_1",
        1,
        1,
      ]);
      expect((await alias).topic).toBe("alias");
      const activation = next(onB, "activation", (c) => !c.stale);
      a.run("UPDATE apps SET updated_at = ? WHERE id = ?", [2, "app_1"]);
      await activation;
      const config = next(onB, "config", (c) => !c.stale);
      a.run(
        "INSERT INTO config (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ["domain", '"example.com"', 3],
      );
      await config;
    });

    test("opening a third channel on the same database (the triggers again) works", async () => {
      const c = await openChanges(a, { url });
      await c.close();
    });

    test("a payload too big for NOTIFY is refused with a clear error", () => {
      expect(() => onA.publish("config", "x".repeat(9000))).toThrow(/under 7900 bytes/);
    });

    test("after the listen connection is killed: every subscriber hears stale, then notifications resume", async () => {
      const stale = next(onB, "session", (c) => c.stale, 15_000);
      const killed = await onServer<{ n: number }>(
        url,
        "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
      );
      expect(killed[0]?.n).toBeGreaterThan(0);
      await stale;
      const resumed = next(onB, "session", (c) => !c.stale);
      onA.publish("session", { id: "s1" });
      expect((await resumed).payload).toEqual({ id: "s1" });
    });
  }

  test("closes", async () => {
    await onA.close();
    await onB.close();
    a.close();
    b.close();
  });
});
