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

/** Prints a command's result: `{"data": …}` with `--format json`, else the text rendering. */
export function emit(format: Format, data: unknown, text: () => string): void {
  console.log(format === "json" ? JSON.stringify({ data }, null, 2) : text());
}

/** Aligned `key  value` lines for text output. */
export function table(rows: Array<[string, string | number | boolean | null | undefined]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v ?? "-"}`).join("\n");
}
