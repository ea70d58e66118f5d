import type { Format } from "./globals.ts";

let ttyCache: boolean | undefined;
/** Asked lazily: reading process.stdout.isTTY loads Bun's stream machinery (~20 ms). */
const tty = () => (ttyCache ??= process.stdout.isTTY === true && !process.env.NO_COLOR);

export const color = {
  bold: (s: string) => (tty() ? `\x1b[1m${s}\x1b[22m` : s),
  dim: (s: string) => (tty() ? `\x1b[2m${s}\x1b[22m` : s),
  green: (s: string) => (tty() ? `\x1b[32m${s}\x1b[39m` : s),
  yellow: (s: string) => (tty() ? `\x1b[33m${s}\x1b[39m` : s),
};

let resultPrinted = false;

/** Prints a command's result: `{"data": …}` with `--format json`, else the text rendering. */
export function emit(format: Format, data: unknown, text: () => string): void {
  resultPrinted = true;
  console.log(format === "json" ? JSON.stringify({ data }, null, 2) : text());
}

/**
 * Whether the command printed its result: a command that reports and then
 * fails (`app validate`) has already given its JSON, and a second document on
 * stdout would break a reader.
 */
export const printedResult = (): boolean => resultPrinted;

/** Aligned `key  value` lines for text output. */
export function table(rows: Array<[string, string | number | boolean | null | undefined]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v ?? "-"}`).join("\n");
}

type Cell = string | number | boolean | null | undefined;

/** A table with a header row and aligned columns (the last column is not padded). */
export function columns(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? "-" : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [color.bold(line(cells[0]!)), ...cells.slice(1).map(line)].join("\n");
}

/** A warning on stderr: never mixed into a command's result on stdout. */
export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** A timestamp (ms) as local `YYYY-MM-DD HH:MM`. */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
