/**
 * Sign-in limits between nodes: 40 wrong sign-ins for one account from 4
 * threads, each with its own engine (its own connection: on PostgreSQL, a
 * node), all at once. The slot each attempt takes before its password is
 * checked is taken under a lock (src/auth/db.ts `lockNames`), so at most 5
 * passwords are checked (401) and every other attempt is refused (429).
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { createOwner } from "../../src/auth/index.ts";
import { openEngine } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(120_000);
afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const THREADS = 4;
const PER_THREAD = 10;

function guesser(data: Record<string, unknown>): { done: Promise<string[]>; worker: Worker } {
  const worker = new Worker(join(import.meta.dir, "fixtures", "sign-in-guesser.ts"), { workerData: data });
  const done = new Promise<string[]>((resolve, reject) => {
    worker.once("message", (m: { codes: string[] }) => resolve(m.codes));
    worker.once("error", reject);
  });
  return { done, worker };
}

describe.each(engines)("sign-in limits between nodes on $dialect", ({ target }) => {
  test("40 concurrent wrong sign-ins from 4 connections: at most 5 are checked (401), the rest 429", async () => {
    const where = await target();
    const engine = await openEngine(where);
    try {
      await createOwner({ engine }, { username: "admin", password: "correct-horse-battery" });
      const start = new SharedArrayBuffer(8);
      const signal = new Int32Array(start);
      const threads = Array.from({ length: THREADS }, (_, thread) =>
        guesser({
          target: where,
          thread,
          count: PER_THREAD,
          login: "admin",
          ip: `192.0.2.${thread + 1}`,
          start,
        }),
      );
      while (Atomics.load(signal, 1) < THREADS) await Bun.sleep(10);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
      const codes = (await Promise.all(threads.map((t) => t.done))).flat();
      for (const t of threads) await t.worker.terminate();
      const checked = codes.filter((c) => c === "UNAUTHORIZED").length;
      expect(checked).toBeGreaterThanOrEqual(1);
      expect(checked).toBeLessThanOrEqual(5);
      expect(codes.filter((c) => c === "RATE_LIMITED").length).toBe(THREADS * PER_THREAD - checked);
      const row = engine.get<{ failures: number; locked_until: number | null }>(
        "SELECT failures, locked_until FROM login_attempts WHERE key LIKE 'account:%'",
      );
      expect(row?.failures).toBe(5);
      expect(row?.locked_until).toBeGreaterThan(Date.now());
    } finally {
      engine.close();
    }
  });
});
