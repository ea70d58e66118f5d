import { readFileSync } from "node:fs";
import { type CodeProblem, isApiScript, syntaxProblem } from "../../apps/index.ts";
import type { PackedFile } from "./walk.ts";

/**
 * Syntax errors in the `api/` scripts about to be deployed, read from disk
 * (the same parser the server warns with). A deploy refuses these unless
 * `--force`; `app validate` lists them.
 */
export function syntaxProblems(files: readonly PackedFile[]): CodeProblem[] {
  const problems: CodeProblem[] = [];
  for (const file of files) {
    if (!isApiScript(file.path)) continue;
    const problem = syntaxProblem(file.path, readFileSync(file.abs, "utf8"));
    if (problem) problems.push(problem);
  }
  return problems;
}
