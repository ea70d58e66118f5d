import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The product contract the code was first written against is not in this
 * repository: a comment that cites it by section ("SPEC §7") points nowhere.
 * Comments cite docs/ or the code instead.
 */
const ROOT = join(import.meta.dir, "../..");
const SKIPPED: string[] = [];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

test("no file in src/ cites the outside spec (`SPEC`, `§`)", () => {
  const offending: string[] = [];
  for (const file of files(join(ROOT, "src"))) {
    const rel = relative(ROOT, file);
    if (SKIPPED.some((s) => (s.endsWith("/") ? rel.startsWith(s) : rel === s))) continue;
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (/\bSPEC\b|§/.test(line)) offending.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  if (offending.length) throw new Error(`cite docs/ or the code instead:\n  ${offending.join("\n  ")}`);
  expect(offending).toEqual([]);
});
