/**
 * The goals the issues set for the bench, in one place. Each names the
 * scenario (bench/<scenario>/index.ts) and the one figure it is for; the
 * runner puts the goal on that figure in place of the scenario's own, so a
 * scenario states what it measures and this table states what it must reach.
 * A goal whose figure a scenario did not report becomes a MISS row saying so.
 *
 */
import { GOAL_FIELDS, type Result } from "./lib.ts";

type GoalField = (typeof GOAL_FIELDS)[number];

export interface Goal {
  scenario: string;
  /** Matches the figure's metric (leading spaces ignored). */
  metric: RegExp;
  /** The figure's peer, where two figures share a metric (static: nginx and caddy). */
  peer?: string;
  /** Says what the figure is, in a MISS row when no figure matched. */
  what: string;
  set: Partial<Record<GoalField, number>>;
  /** The issue that sets the goal, e.g. "#13". */
  from: string;
}

/** Issue 13 item 7. */
export const GOALS: Goal[] = [
  { from: "#13", scenario: "runtime", metric: /^hello-JSON/, what: "hello-JSON", set: { minRatio: 0.45 } },
  { from: "#13", scenario: "runtime", metric: /^ds\.insert/, what: "ds.insert", set: { minRatio: 0.35 } },
  { from: "#13", scenario: "runtime", metric: /^ds\.find/, what: "ds.find", set: { minRatio: 0.3 } },
  {
    from: "#13",
    scenario: "runtime",
    metric: /^app B's p99/,
    what: "app B's p99 while app A spins",
    set: { maxValue: 50 },
  },
  {
    from: "#13",
    scenario: "static",
    metric: /^2 KiB/,
    peer: "nginx",
    what: "static 2 KiB vs nginx",
    set: { minRatio: 0.8 },
  },
  {
    from: "#13",
    scenario: "static",
    metric: /^2 KiB/,
    peer: "caddy",
    what: "static 2 KiB vs Caddy",
    set: { minRatio: 2 },
  },
  {
    from: "#13",
    scenario: "static",
    metric: /^100 KiB/,
    peer: "nginx",
    what: "static 100 KiB vs nginx",
    set: { minRatio: 0.8 },
  },
  {
    from: "#13",
    scenario: "static",
    metric: /^1 MiB/,
    peer: "nginx",
    what: "static 1 MiB vs nginx",
    set: { minRatio: 0.8 },
  },
  { from: "#13", scenario: "startup", metric: /^idle RSS/, what: "idle RSS", set: { maxRatio: 1.5 } },
  {
    from: "#13",
    scenario: "runtime",
    metric: /^RSS, 50 apps warmed/,
    what: "RSS with 50 warmed apps",
    set: { maxValue: 100 },
  },
  {
    from: "#13",
    scenario: "mixed",
    metric: /^peak RSS/,
    what: "peak RSS under mixed load",
    set: { maxValue: 150 },
  },
  {
    from: "#13",
    scenario: "size",
    metric: /^linux-x64 binary size/,
    what: "binary size",
    set: { maxExcess: 15 },
  },
  // Issue 14: Fazt on PostgreSQL against the same binary on SQLite, and two nodes (bench/pg).
  {
    from: "#14",
    scenario: "pg",
    metric: /^static 2 KiB/,
    what: "static 2 KiB on PostgreSQL / SQLite",
    set: { minRatio: 0.9 },
  },
  {
    from: "#14",
    scenario: "pg",
    metric: /^ds\.insert/,
    what: "ds.insert on PostgreSQL / SQLite",
    set: { minRatio: 0.5 },
  },
  {
    from: "#14",
    scenario: "pg",
    metric: /^activation/,
    what: "activation on node 1 → served by node 2",
    set: { maxValue: 1000 },
  },
];

/**
 * `results` of `scenario` with the goals of `goals` put on their figures (the
 * scenario's own goals on those figures dropped), plus a MISS row for each
 * goal that matched no figure or more than one.
 */
export function applyGoals(scenario: string, results: Result[], goals: Goal[] = GOALS): Result[] {
  const out = results.map((r) => ({ ...r }));
  for (const goal of goals.filter((g) => g.scenario === scenario)) {
    const hits = out.filter(
      (r) =>
        r.error === undefined &&
        goal.metric.test(r.metric.trimStart()) &&
        (goal.peer === undefined || r.baselineName === goal.peer),
    );
    if (hits.length !== 1) {
      out.push({
        metric: goal.what,
        unit: "",
        fazt: [],
        baseline: [],
        baselineName: "",
        goalFrom: goal.from,
        error: `bench/${scenario} reported ${hits.length === 0 ? "no" : hits.length} figure${hits.length === 1 ? "" : "s"} matching ${goal.metric}${goal.peer ? ` against ${goal.peer}` : ""}`,
      });
      continue;
    }
    const hit = hits[0]!;
    for (const field of GOAL_FIELDS) delete hit[field];
    Object.assign(hit, goal.set, { goalFrom: goal.from });
  }
  return out;
}
