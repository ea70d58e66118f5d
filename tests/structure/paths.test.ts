import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * A comment in src/ or a page of docs/ that names a source file
 * (`hosting/respond.ts`, `src/core/errors.ts`, `http/server.test.ts`) names
 * one that exists: when a file moves, the comments that pointed at it move
 * too (docs/contributing.md).
 */
const ROOT = join(import.meta.dir, "../..");
const FOLDERS = readdirSync(join(ROOT, "src")).filter((n) => statSync(join(ROOT, "src", n)).isDirectory());
// Not inside a longer path or a URL: `/$bunfs/root/runtime/worker.js` is not a source path.
const PATH = new RegExp(
  `(?<![\\w/.$-])(?:src/|tests/)?(?:${FOLDERS.join("|")})/[\\w./-]*\\w\\.(?:ts|js)\\b`,
  "g",
);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, ext);
    return ext.test(name) ? [path] : [];
  });
}

function exists(named: string): boolean {
  // A bundled entry point is named as build.ts emits it: `runtime/worker.js` for `runtime/worker.ts`.
  if (named.endsWith(".js") && exists(named.replace(/\.js$/, ".ts"))) return true;
  if (named.startsWith("src/") || named.startsWith("tests/")) return existsSync(join(ROOT, named));
  // A test file is named relative to tests/ (docs/security.md), anything else relative to src/.
  return existsSync(join(ROOT, named.includes(".test.") ? "tests" : "src", named));
}

function missingNames(): string[] {
  const sources = [...files(join(ROOT, "src"), /\.(ts|js)$/), ...files(join(ROOT, "docs"), /\.md$/)];
  const missing: string[] = [];
  for (const file of sources) {
    for (const [named] of readFileSync(file, "utf8").matchAll(PATH)) {
      if (!exists(named)) missing.push(`${relative(ROOT, file)}: ${named}`);
    }
  }
  return missing;
}

test("every source file named in src/ and docs/ exists", () => {
  expect(missingNames()).toEqual([]);
});
