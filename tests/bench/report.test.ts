/**
 * The bench's pure parts: goals put on the right figure, verdicts, the table,
 * and the percentile of the memory samples. No server is started.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { applyGoals, type Goal } from "../../bench/goals.ts";
import { excess, type Result, ratio, verdict } from "../../bench/lib.ts";
import { percentile } from "../../bench/mixed/sample.ts";
import { processTreeRssKiB } from "../../bench/proc.ts";
import { cells, goalSummary, table } from "../../bench/report.ts";

const fig = (
  metric: string,
  fazt: number[],
  baseline: number[] = [],
  extra: Partial<Result> = {},
): Result => ({
  metric,
  unit: "req/s",
  fazt,
  baseline,
  baselineName: baseline.length ? "nginx" : "",
  ...extra,
});

describe("verdict", () => {
  test("ratio, value and excess goals use the medians", () => {
    expect(verdict(fig("a", [8, 9, 10], [10, 10, 10], { minRatio: 0.9 }))).toBe(true);
    expect(verdict(fig("a", [8, 8, 10], [10, 10, 10], { minRatio: 0.9 }))).toBe(false);
    expect(verdict(fig("a", [120], [100], { maxExcess: 15 }))).toBe(false);
    expect(verdict(fig("a", [115], [100], { maxExcess: 15 }))).toBe(true);
    expect(verdict(fig("a", [49, 51, 50], [], { maxValue: 50 }))).toBe(true);
    expect(verdict(fig("a", [1]))).toBeUndefined();
  });

  test("paired rounds: the median of the rounds' own ratios, robust to a machine that drifts", () => {
    // Rounds 0.6×, 0.8× and 0.5×; the ratio of the medians would read 0.8×.
    const r = fig("a", [60, 80, 300], [100, 100, 600], { minRatio: 0.7 });
    expect(ratio(r)).toBeCloseTo(0.6);
    expect(verdict(r)).toBe(false);
    expect(excess(fig("a", [110, 120, 90], [100, 100, 100]))).toBe(10);
    // Unpaired (different counts): the ratio of the medians.
    expect(ratio(fig("a", [60, 80, 300], [100, 100]))).toBeCloseTo(0.8);
  });

  test("a figure not measured misses instead of throwing", () => {
    expect(verdict(fig("a", [], [], { maxValue: 50 }))).toBe(false);
    expect(verdict(fig("a", [5], [], { minRatio: 0.5 }))).toBe(false);
    expect(verdict(fig("a", [5], [5], { minRatio: 0.5, error: "it crashed" }))).toBe(false);
  });
});

describe("applyGoals", () => {
  const goals: Goal[] = [
    {
      from: "#13",
      scenario: "static",
      metric: /^2 KiB/,
      peer: "nginx",
      what: "2 KiB vs nginx",
      set: { minRatio: 0.8 },
    },
    {
      from: "#13",
      scenario: "static",
      metric: /^2 KiB/,
      peer: "caddy",
      what: "2 KiB vs Caddy",
      set: { minRatio: 2 },
    },
    { from: "#13", scenario: "static", metric: /^1 MiB/, what: "1 MiB", set: { minRatio: 0.8 } },
    { from: "#13", scenario: "other", metric: /^x/, what: "x", set: { maxValue: 1 } },
  ];

  test("replaces the scenario's own goal on the matching figure, told apart by peer", () => {
    const results = [
      fig("2 KiB HTML throughput", [80], [100], { minRatio: 0.5 }),
      { ...fig("2 KiB HTML throughput", [80], [30], { minRatio: 2 }), baselineName: "caddy" },
      fig("  1 MiB binary throughput", [70], [100], { maxValue: 9 }),
      fig("RSS after the load", [60], [], { maxValue: 100 }),
    ];
    const out = applyGoals("static", results, goals);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatchObject({ minRatio: 0.8, goalFrom: "#13" });
    expect(out[1]).toMatchObject({ minRatio: 2, goalFrom: "#13", baselineName: "caddy" });
    // The scenario's maxValue is dropped: only the goal holds.
    expect(out[2]!.maxValue).toBeUndefined();
    expect(out[2]).toMatchObject({ minRatio: 0.8, goalFrom: "#13" });
    // Untouched: no goal names it.
    expect(out[3]).toEqual(results[3]!);
    // The input is not changed.
    expect(results[0]!.minRatio).toBe(0.5);
    expect(out.map(verdict)).toEqual([true, true, false, true]);
  });

  test("a goal whose figure is missing, or matched twice, becomes a MISS row", () => {
    const out = applyGoals("static", [fig("2 KiB HTML throughput", [80], [100])], goals);
    const missing = out.filter((r) => r.error !== undefined);
    expect(missing.map((r) => r.metric)).toEqual(["2 KiB vs Caddy", "1 MiB"]);
    expect(missing[0]!.error).toContain("no figure");
    expect(missing.every((r) => verdict(r) === false)).toBe(true);

    const twice = applyGoals("static", [fig("1 MiB a", [1], [1]), fig("1 MiB b", [1], [1])], goals);
    expect(twice.find((r) => r.metric === "1 MiB")!.error).toContain("2 figures");
  });

  test("a failed scenario's goals each get a MISS row", () => {
    const out = applyGoals("static", [], goals);
    expect(out.map((r) => r.metric)).toEqual(["2 KiB vs nginx", "2 KiB vs Caddy", "1 MiB"]);
  });
});

describe("table", () => {
  test("one aligned row per figure with peer, ratio, goal and verdict", () => {
    const rows = [
      {
        scenario: "static",
        result: fig("2 KiB", [8000, 9000, 10_000], [10_000, 12_000], { minRatio: 0.8, goalFrom: "#13" }),
      },
      {
        scenario: "size",
        result: {
          ...fig("binary", [113.5], [104.2], { maxExcess: 15, goalFrom: "#13" }),
          unit: "MiB",
          baselineName: "hello",
        },
      },
      {
        scenario: "mixed",
        result: {
          ...fig("peak RSS", [], [], { maxValue: 150, goalFrom: "#13", error: "failed: boom" }),
          unit: "MiB",
        },
      },
    ];
    expect(cells(rows[0]!)).toEqual([
      "static",
      "2 KiB",
      "9,000 req/s [8,000–10,000]",
      "nginx 11,000 req/s [10,000–12,000]",
      "0.82×",
      "≥ 0.8× (#13)",
      "PASS",
    ]);
    expect(cells(rows[1]!)).toEqual([
      "size",
      "binary",
      "113.5 MiB",
      "hello 104.2 MiB",
      "1.09× (+9.30 MiB)",
      "≤ hello + 15 MiB (#13)",
      "PASS",
    ]);
    expect(cells(rows[2]!)).toEqual([
      "mixed",
      "peak RSS",
      "not measured: failed: boom",
      "",
      "",
      "≤ 150 MiB (#13)",
      "MISS",
    ]);
    const lines = table(rows).split("\n");
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(goalSummary(rows)).toEqual(["goals of #13: 2 of 3 PASS; MISS: mixed: peak RSS"]);
  });
});

describe("percentile", () => {
  test("nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 0.95)).toBe(95);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile(xs, 0)).toBe(1);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 2)).toThrow();
  });
});

describe("processTreeRssKiB", () => {
  test("adds the resident memory of child processes to the parent's", async () => {
    const sh = Bun.spawn(["sh", "-c", "sleep 30 & sleep 30 & wait"], { stdout: "ignore", stderr: "ignore" });
    try {
      const own = () =>
        Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${sh.pid}/status`, "utf8"))![1]);
      // Wait until both sleeps are forked.
      for (
        let i = 0;
        i < 200 &&
        readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, "utf8").trim().split(/\s+/).length < 2;
        i++
      ) {
        await Bun.sleep(10);
      }
      const tree = processTreeRssKiB(sh.pid);
      expect(tree).toBeGreaterThan(own());
      expect(processTreeRssKiB(2 ** 22 + 1)).toBe(0);
    } finally {
      // The two sleeps (they would outlive a killed shell); the shell's `wait` then reaps them and it exits.
      const kids = readFileSync(`/proc/${sh.pid}/task/${sh.pid}/children`, "utf8").trim();
      for (const kid of kids ? kids.split(/\s+/) : []) process.kill(Number(kid), "SIGKILL");
      await Promise.race([sh.exited, Bun.sleep(2000)]);
      sh.kill("SIGKILL");
      await sh.exited;
    }
  });
});
