/**
 * Micro-bench: the cost of one `fazt.app.ds.insert` (autocommit, as app code
 * makes it) on SQLite and on PostgreSQL through the synchronous bridge, in
 * the same run, rounds interleaved. Not part of `bun run bench`:
 *
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:55432/postgres bun bench/storage/ds-insert.ts
 *
 * A PostgreSQL database of its own is made on that server and dropped after.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { type Engine, openEngine } from "../../src/db/index.ts";
import { createStorage } from "../../src/storage/index.ts";

const PG = process.env.BENCH_PG_URL ?? process.env.FAZT_TEST_PG_URL;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N = Number(process.env.BENCH_INSERTS ?? 1000);

function seed(engine: Engine): void {
  engine.run("INSERT INTO apps (id, name, spa, created_at, updated_at) VALUES ('app_b', 'b', 0, 0, 0)");
}

/** Microseconds per insert over N inserts of a small document. */
function round(engine: Engine): number {
  const { ds } = createStorage(engine, "app_b");
  const started = performance.now();
  for (let i = 0; i < N; i++) ds.insert("bench", { title: `note ${i}`, done: i % 2 === 0, tags: ["a", "b"] });
  return ((performance.now() - started) * 1000) / N;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), "fazt-bench-"));
const sqlite = await openEngine(join(dir, "data.db"));
seed(sqlite);
let pg: Engine | undefined;
let dropPg: (() => Promise<void>) | undefined;
if (PG) {
  const admin = new SQL(PG, { max: 1 });
  const name = `fazt_bench_${process.pid}`;
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(PG);
  url.pathname = `/${name}`;
  pg = await openEngine(url.toString());
  seed(pg);
  dropPg = async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.close();
  };
}

const times: Record<string, number[]> = { sqlite: [], postgres: [] };
round(sqlite); // warm-up: statement caches, JIT
if (pg) round(pg);
for (let r = 0; r < ROUNDS; r++) {
  times.sqlite!.push(round(sqlite));
  if (pg) times.postgres!.push(round(pg));
}
sqlite.close();
pg?.close();
await dropPg?.();
rmSync(dir, { recursive: true, force: true });

const fmt = (xs: number[]) =>
  `${median(xs).toFixed(1)} µs/insert (range ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
console.log(`ds.insert, ${N} per round, ${ROUNDS} rounds, autocommit`);
console.log(`  sqlite    ${fmt(times.sqlite!)}`);
if (pg) {
  console.log(`  postgres  ${fmt(times.postgres!)}`);
  console.log(`  ratio     ${(median(times.postgres!) / median(times.sqlite!)).toFixed(1)}x`);
} else console.log("  postgres  (BENCH_PG_URL not set)");
