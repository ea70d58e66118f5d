/** A single byte range, inclusive, or `unsatisfiable` (416). `null`: serve the whole file. */
export type RangeResult = { start: number; end: number } | "unsatisfiable" | null;

/**
 * Parses `Range: bytes=a-b | a- | -n` for a file of `size` bytes. Multiple
 * ranges and other units are ignored (the whole file is sent), as RFC 9110
 * allows.
 */
export function parseRange(header: string | null, size: number): RangeResult {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === "" && b === "") return null;
  if (a === "") {
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (start >= size) return "unsatisfiable";
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  if (end < start) return "unsatisfiable";
  return { start, end };
}
