/**
 * The one printer of the bench: every scenario's figures in one table
 * (scenario, metric, fazt, peer, ratio, goal, PASS/MISS), as an aligned
 * Markdown table so that it reads in a terminal and pastes into a note.
 */
import { excess, median, type Result, ratio, verdict } from "./lib.ts";

export interface Row {
  scenario: string;
  result: Result;
}

/** 12,345 for large figures and whole numbers, 123.4 or 1.23 below. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const abs = Math.abs(x);
  if (abs >= 1000 || Number.isInteger(x)) return Math.round(x).toLocaleString("en-US");
  return x.toFixed(abs >= 10 ? 1 : 2);
}

/** The median with its unit, and the range when there are several samples. */
function figure(xs: number[], unit: string): string {
  const m = `${formatNumber(median(xs))} ${unit}`.trim();
  if (xs.length < 2) return m;
  return `${m} [${formatNumber(Math.min(...xs))}–${formatNumber(Math.max(...xs))}]`;
}

function goalText(r: Result): string {
  const peer = r.baselineName || "peer";
  const goals = [
    r.minRatio === undefined ? "" : `≥ ${r.minRatio}×`,
    r.maxRatio === undefined ? "" : `≤ ${r.maxRatio}×`,
    r.maxValue === undefined ? "" : `≤ ${r.maxValue.toLocaleString("en-US")} ${r.unit}`,
    r.maxExcess === undefined ? "" : `≤ ${peer} + ${r.maxExcess.toLocaleString("en-US")} ${r.unit}`,
  ].filter(Boolean);
  if (goals.length === 0) return "";
  return `${goals.join(", ")}${r.goalFrom ? ` (${r.goalFrom})` : ""}`;
}

function ratioText(r: Result): string {
  if (r.fazt.length === 0 || r.baseline.length === 0) return "";
  const x = `${ratio(r).toFixed(2)}×`;
  if (r.maxExcess === undefined) return x;
  const d = excess(r);
  return `${x} (${d >= 0 ? "+" : "−"}${formatNumber(Math.abs(d))} ${r.unit})`;
}

/** The cells of one row. */
export function cells(row: Row): string[] {
  const r = row.result;
  const ok = verdict(r);
  const mark = ok === undefined ? "" : ok ? "PASS" : "MISS";
  if (r.error !== undefined) {
    return [row.scenario, r.metric, `not measured: ${r.error}`, "", "", goalText(r), mark];
  }
  return [
    row.scenario,
    r.metric,
    figure(r.fazt, r.unit),
    r.baseline.length === 0 ? "" : `${r.baselineName} ${figure(r.baseline, r.unit)}`,
    ratioText(r),
    goalText(r),
    mark,
  ];
}

const HEADER = ["scenario", "metric", "fazt", "peer", "ratio", "goal", ""];

/** The whole table, one line per row, columns padded to their widest cell. */
export function table(rows: Row[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(HEADER), rule, ...all.slice(1).map(line)].join("\n");
}

/** "N of M goals of #13 PASS; MISS: a, b" for each issue that set goals. */
export function goalSummary(rows: Row[]): string[] {
  const byIssue = new Map<string, { pass: number; miss: string[] }>();
  for (const { scenario, result } of rows) {
    if (!result.goalFrom) continue;
    const tally = byIssue.get(result.goalFrom) ?? { pass: 0, miss: [] };
    if (verdict(result)) tally.pass++;
    else tally.miss.push(`${scenario}: ${result.metric.trim()}`);
    byIssue.set(result.goalFrom, tally);
  }
  return [...byIssue].map(([issue, t]) => {
    const total = t.pass + t.miss.length;
    return `goals of ${issue}: ${t.pass} of ${total} PASS${t.miss.length ? `; MISS: ${t.miss.join("; ")}` : ""}`;
  });
}
