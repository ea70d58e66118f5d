/**
 * Accounts under races between nodes: 4 threads, each with its own engine
 * (its own connection: on PostgreSQL, a node), all going at once. What must
 * hold whatever the interleaving: a burst of wrong sign-ins checks at most 5
 * passwords (the slot is taken under a lock, src/auth/db.ts `lockNames`); a
 * single-use invite makes one user; one provider account's first sign-ins
 * make one user and every one of them signs in as it.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { createInvite, createOwner } from "../../src/auth/index.ts";
import { type Engine, openEngine } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import type { Race } from "./fixtures/racer.ts";

setDefaultTimeout(120_000);
afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const THREADS = 4;

/** Runs `count` attempts on each of THREADS threads, all released at once; every outcome. */
async function race(target: string, count: number, of: (thread: number) => Race): Promise<string[]> {
  const start = new SharedArrayBuffer(8);
  const signal = new Int32Array(start);
  const workers = Array.from(
    { length: THREADS },
    (_, thread) =>
      new Worker(join(import.meta.dir, "fixtures", "racer.ts"), {
        workerData: { target, thread, count, race: of(thread), start },
      }),
  );
  const answers = workers.map(
    (w) =>
      new Promise<string[]>((resolve, reject) => {
        w.once("message", (m: { outcomes: string[] }) => resolve(m.outcomes));
        w.once("error", reject);
      }),
  );
  try {
    while (Atomics.load(signal, 1) < THREADS) await Bun.sleep(10);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
    return (await Promise.all(answers)).flat();
  } finally {
    for (const w of workers) await w.terminate();
  }
}

const tally = (outcomes: string[]) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.startsWith("usr_") ? "user" : o;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe.each(engines)("races between nodes on $dialect", ({ target }) => {
  let where: string;
  let engine: Engine;
  afterAll(() => engine?.close());

  test("40 concurrent wrong sign-ins for one account from 4 connections: at most 5 are checked (401), the rest 429", async () => {
    where = await target();
    engine = await openEngine(where);
    await createOwner({ engine }, { username: "admin", password: "correct-horse-battery" });
    const outcomes = await race(where, 10, (thread) => ({
      op: "login",
      login: "admin",
      ip: `192.0.2.${thread}`,
    }));
    const counts = tally(outcomes);
    expect(counts.UNAUTHORIZED ?? 0).toBeGreaterThanOrEqual(1);
    expect(counts.UNAUTHORIZED ?? 0).toBeLessThanOrEqual(5);
    expect(counts.RATE_LIMITED).toBe(40 - (counts.UNAUTHORIZED ?? 0));
    const row = engine.get<{ failures: number; locked_until: number | null }>(
      "SELECT failures, locked_until FROM login_attempts WHERE key LIKE 'account:%'",
    );
    expect(row?.failures).toBe(5);
    expect(row?.locked_until).toBeGreaterThan(Date.now());
  });

  test("a single-use invite redeemed 12 times at once from 4 connections makes one user", async () => {
    const owner = engine.get<{ id: string }>("SELECT id FROM users WHERE role = 'owner'");
    const { code } = createInvite({ engine }, {}, { role: "owner", id: owner?.id ?? null });
    const counts = tally(await race(where, 3, () => ({ op: "redeem", code })));
    expect(counts).toEqual({ user: 1, CONFLICT: 11 });
    expect(engine.get("SELECT uses FROM invites")).toEqual({ uses: 1 });
    expect(engine.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE role = 'user'")?.n).toBe(1);
  });

  test("one provider account's first sign-in 20 times at once from 4 connections: one user, all signed in as it", async () => {
    const outcomes = await race(where, 5, () => ({ op: "link", subject: "gh-race" }));
    expect(new Set(outcomes).size).toBe(1);
    expect(outcomes[0]).toStartWith("usr_");
    expect(
      engine.get<{ n: number }>("SELECT count(*) AS n FROM identities WHERE provider_user_id = 'gh-race'")?.n,
    ).toBe(1);
  });
});
