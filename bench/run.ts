#!/usr/bin/env bun
/**
 * Runs the bench scenarios and prints one table of every figure, its peer
 * measured in the same run, the ratio and the goal.
 *
 *   bun run bench                 every scenario, in one run
 *   bun bench/run.ts static size  only the ones named
 *
 * A scenario is `bench/<name>/index.ts` exporting `run(): Promise<Result[]>`
 * (see lib.ts); it measures Fazt and its peers in interleaved rounds,
 * BENCH_ROUNDS of them (3 unless set). The issues' goals are put on the
 * figures from goals.ts; report.ts prints the table. A scenario that fails
 * leaves a MISS row and the run goes on. Progress goes to stderr, the table
 * to stdout. Exit code 1 when a figure misses its goal, 2 on bad usage.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { applyGoals } from "./goals.ts";
import { type Bench, faztBinary, note, stopAll, verdict } from "./lib.ts";
import { loadAverage } from "./proc.ts";
import { goalSummary, type Row, table } from "./report.ts";

/** Quick and quiet ones first; then the loads; the three-minute memory run last. */
const ORDER = ["size", "startup", "static", "runtime", "mixed"];

process.env.BENCH_ROUNDS ??= "3";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

const here = import.meta.dir;
const found = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith(".") && existsSync(join(here, d.name, "index.ts")))
  .map((d) => d.name);
const known = [...ORDER.filter((n) => found.includes(n)), ...found.filter((n) => !ORDER.includes(n)).sort()];
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !known.includes(n));
if (unknown.length > 0 || asked.some((a) => a.startsWith("-"))) {
  console.error(
    `usage: bun bench/run.ts [SCENARIO …]; ${unknown.length ? `unknown: ${unknown.join(", ")}; ` : ""}known: ${known.join(", ")}`,
  );
  process.exit(2);
}
const chosen = asked.length > 0 ? known.filter((n) => asked.includes(n)) : known;

const started = performance.now();
const loadAtStart = loadAverage();
note(
  `bench: ${chosen.join(", ")}; BENCH_ROUNDS=${process.env.BENCH_ROUNDS}; ${navigator.hardwareConcurrency} CPUs; load average ${loadAtStart}`,
);
// One binary for the whole run, built now if the sources are newer, so no
// scenario rebuilds it half-way.
const bin = faztBinary({ rebuildIfStale: true });
note(
  `bench: ${bin}, ${(statSync(bin).size / 1024 / 1024).toFixed(1)} MiB, built ${statSync(bin).mtime.toISOString()}`,
);

const rows: Row[] = [];
/** Each scenario's time and the 1-minute load average when it began, for the footer. */
const timings: string[] = [];
for (const scenario of chosen) {
  const t0 = performance.now();
  const load = loadAverage();
  note(`\n== ${scenario} (load average ${load})`);
  try {
    const bench = (await import(join(here, scenario, "index.ts"))) as Bench;
    const results = await bench.run();
    for (const result of applyGoals(scenario, results)) rows.push({ scenario, result });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    note(`bench/${scenario} failed: ${e instanceof Error ? (e.stack ?? message) : message}`);
    const error = `failed: ${message.split("\n")[0]!.slice(0, 160)}`;
    rows.push({
      scenario,
      result: { metric: "(scenario)", unit: "", fazt: [], baseline: [], baselineName: "", error },
    });
    // Its goals are not measured either: each gets its own MISS row.
    for (const result of applyGoals(scenario, [])) rows.push({ scenario, result });
    // Whatever it left running would disturb the next scenario.
    stopAll();
  }
  const took = `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  note(`== ${scenario} took ${took}`);
  timings.push(`${scenario} ${took} (load ${load.split(" ")[0]})`);
}

const minutes = (performance.now() - started) / 60_000;
console.log(
  `\nmedians [min–max] over BENCH_ROUNDS=${process.env.BENCH_ROUNDS} rounds; ratio = fazt / peer, the median of the rounds' own ratios`,
);
console.log(table(rows));
for (const line of goalSummary(rows)) console.log(line);
console.log(
  `load average at start ${loadAtStart}, at end ${loadAverage()} (${navigator.hardwareConcurrency} CPUs); wall time ${minutes.toFixed(1)} min: ${timings.join(", ")}`,
);
if (rows.some((r) => verdict(r.result) === false)) process.exitCode = 1;
