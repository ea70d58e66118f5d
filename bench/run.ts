#!/usr/bin/env bun
/**
 * Runs the benches and prints one table of medians and ratios.
 *
 *   bun run bench               every bench (each folder of bench/ with an index.ts)
 *   bun bench/run.ts startup    only the ones named
 *
 * A bench is `bench/<name>/index.ts` exporting `run(): Promise<Result[]>` (see
 * lib.ts). The exit code is 1 when a result misses a goal, 2 on bad usage.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Bench, median, type Result, stopAll, verdict } from "./lib.ts";

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}

const here = import.meta.dir;
const known = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith(".") && existsSync(join(here, d.name, "index.ts")))
  .map((d) => d.name)
  .sort();
const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(", ")}; known: ${known.join(", ")}`);
  process.exit(2);
}

const rows: string[][] = [["bench", "metric", "fazt", "baseline", "ratio", "goal", ""]];
let missed = false;
for (const name of asked.length > 0 ? asked : known) {
  const bench = (await import(join(here, name, "index.ts"))) as Bench;
  const results: Result[] = await bench.run();
  for (const r of results) {
    const f = median(r.fazt);
    const b = median(r.baseline);
    const fmt = (x: number, xs: number[]) =>
      `${x.toFixed(1)} ${r.unit} [${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}]`;
    const goals = [
      r.minRatio === undefined ? "" : `≥ ${r.minRatio.toFixed(2)}×`,
      r.maxRatio === undefined ? "" : `≤ ${r.maxRatio.toFixed(2)}×`,
      r.maxValue === undefined ? "" : `≤ ${r.maxValue} ${r.unit}`,
    ].filter(Boolean);
    const ok = verdict(r);
    if (ok === false) missed = true;
    const hasBaseline = r.baseline.length > 0;
    rows.push([
      name,
      r.metric,
      fmt(f, r.fazt),
      hasBaseline ? `${r.baselineName} ${fmt(b, r.baseline)}` : "",
      hasBaseline ? `${(f / b).toFixed(2)}×` : "",
      goals.join(", "),
      ok === undefined ? "" : ok ? "PASS" : "MISS",
    ]);
  }
}

const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
const line = (row: string[]) =>
  row
    .map((cell, i) => cell.padEnd(widths[i]!))
    .join("  ")
    .trimEnd();
console.log(`\nmedians [min–max]; ratio = median fazt / median baseline`);
console.log(line(rows[0]!));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of rows.slice(1)) console.log(line(row));
if (missed) process.exitCode = 1;
