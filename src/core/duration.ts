import { FaztError } from "./errors.ts";

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `15m`, `2h`, `7d` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!m)
    throw new FaztError(
      "VALIDATION_FAILED",
      `invalid duration "${text}": use a number with s, m, h or d (e.g. 7d)`,
    );
  return Number(m[1]) * units[m[2]!]!;
}
