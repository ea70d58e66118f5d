import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/**
 * The two rules of docs/contributing.md ("Folders and their doors"), read from
 * every import in src/ (static, `import type`, `export … from`, `import()`):
 *
 * 1. Code outside a top-level folder of src/ enters it only through that
 *    folder's `index.ts`. Inside one top-level folder, files and subfolders
 *    import each other freely.
 * 2. A folder imports only the folders below it in LAYERS: nothing low
 *    reaches up (core/ imports no other folder, web/ only core/).
 */
const SRC = join(import.meta.dir, "../../src");

/** Lowest first. */
export const LAYERS = [
  "core",
  "web",
  "db",
  "storage",
  "apps",
  "auth",
  "hosting",
  "runtime",
  "deploy",
  "sql",
  "ops",
  "http",
  "cli",
] as const;

interface Import {
  /** `src/…/file.ts:line` of the import. */
  at: string;
  from: string;
  /** The imported file, relative to src/. */
  target: string;
  specifier: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every relative import of src/ that lands in src/. */
function importsOfSrc(): Import[] {
  const out: Import[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    // The compiler's own scanner: skips comments and strings, sees `import type` and `typeof import()`.
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = resolve(dirname(file), imp.fileName);
      if (!target.startsWith(`${SRC}/`)) continue;
      const line = text.slice(0, imp.pos).split("\n").length;
      const from = relative(SRC, file);
      out.push({ at: `src/${from}:${line}`, from, target: relative(SRC, target), specifier: imp.fileName });
    }
  }
  return out;
}

const topOf = (path: string): string => path.split("/")[0]!;
const isFolder = (top: string): boolean => statSync(join(SRC, top)).isDirectory();

test("the scanner sees every kind of import, and none in comments or strings (a sanity check)", () => {
  const sample = [
    'import type { A } from "./a.ts";',
    'import { type B } from "./b.ts";',
    'export { C } from "./c.ts";',
    'let d: typeof import("./d.ts").D;',
    'const e = () => import("./e.ts");',
    '// import { F } from "./f.ts";',
    "const g = \"import { G } from './g.ts'\";",
  ].join("\n");
  const seen = ts.preProcessFile(sample, true, true).importedFiles.map((f) => f.fileName);
  expect(seen).toEqual(["./a.ts", "./b.ts", "./c.ts", "./d.ts", "./e.ts"]);
  expect(importsOfSrc().length).toBeGreaterThan(100);
});

test("every top-level folder of src/ is entered from outside only through its index.ts", () => {
  const offenders = importsOfSrc()
    .filter((i) => {
      const top = topOf(i.target);
      return top !== topOf(i.from) && isFolder(top) && i.target !== `${top}/index.ts`;
    })
    .map(
      (i) =>
        `${i.at} imports "${i.specifier}": enter ${topOf(i.target)}/ through ${topOf(i.target)}/index.ts`,
    );
  expect(offenders).toEqual([]);
});

test("every top-level folder of src/ is in LAYERS, and no folder imports one above it", () => {
  const folders = readdirSync(SRC).filter(isFolder).sort();
  expect(folders).toEqual([...LAYERS].sort());
  const rank = new Map<string, number>(LAYERS.map((name, i) => [name, i]));
  const offenders = importsOfSrc()
    .filter((i) => {
      const from = rank.get(topOf(i.from));
      const to = rank.get(topOf(i.target));
      return from !== undefined && to !== undefined && to > from;
    })
    .map((i) => `${i.at} imports "${i.specifier}": ${topOf(i.from)}/ sits below ${topOf(i.target)}/`);
  expect(offenders).toEqual([]);
});
