import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { FaztError } from "../../core/index.ts";
import { checkDeployPath } from "../../deploy/index.ts";
import { DEFAULT_RULES, decidingRule, type IgnoreRule, parseIgnoreFile } from "./ignore.ts";

/** One file a deploy will send: its path on the server and where it is on disk. */
export interface PackedFile {
  /** Deploy path (`/`-separated, NFC, checked like the server checks it). */
  path: string;
  /** Absolute path on this machine. */
  abs: string;
  size: number;
}

export interface PackResult {
  files: PackedFile[];
  /** Things the user should know about (printed on stderr by the command). */
  warnings: string[];
}

export interface PackOptions {
  /** Deploy a `private/` folder even though `.gitignore` lists it. */
  includePrivate?: boolean;
}

/** The rules a folder's deploy obeys: `.gitignore`, then the defaults, then `.faztignore` (last match wins). */
export function loadRules(root: string): IgnoreRule[] {
  const read = (name: string) => {
    const p = join(root, name);
    return existsSync(p) ? readFileSync(p, "utf8") : "";
  };
  return [
    ...parseIgnoreFile(read(".gitignore"), "gitignore"),
    ...DEFAULT_RULES,
    ...parseIgnoreFile(read(".faztignore"), "faztignore"),
  ];
}

const isPrivate = (path: string) => path === "private" || path.startsWith("private/");

/** A .gitignore line about the private/ folder itself (`private/`, `/private`, `private/**`). */
const targetsPrivate = (rule: IgnoreRule) =>
  rule.regex.test("private") || /^!?\/?private\//.test(rule.pattern);

/**
 * Lists the files of `root` a deploy sends, sorted by path. Skips what the
 * rules exclude (never descending into an excluded folder). A symbolic link
 * or other special file that is not excluded is refused: a deploy is the
 * folder's regular files, and following links could publish files from
 * elsewhere on this machine.
 */
export function packFolder(root: string, opts: PackOptions = {}): PackResult {
  const rules = loadRules(root);
  const files: PackedFile[] = [];
  const warnings: string[] = [];
  let privateSkipped = false;

  const excluded = (rel: string, isDir: boolean): boolean => {
    const rule = decidingRule(rules, rel, isDir);
    if (!rule || rule.negate) return false;
    if (rule.source === "gitignore" && isPrivate(rel) && targetsPrivate(rule)) {
      if (!opts.includePrivate) {
        privateSkipped = true;
        return true;
      }
      // --include-private overrides the .gitignore lines about private/ only; *.bak and the like still apply.
      const others = rules.filter((r) => !(r.source === "gitignore" && targetsPrivate(r)));
      const other = decidingRule(others, rel, isDir);
      return other !== null && !other.negate;
    }
    return true;
  };

  const visit = (dir: string, prefix: string) => {
    const entries = readdirSync(dir).sort();
    for (const name of entries) {
      const rel = prefix ? `${prefix}/${name}` : name;
      const abs = join(dir, name);
      const st = lstatSync(abs);
      const isDir = st.isDirectory();
      if (excluded(rel, isDir)) continue;
      if (st.isSymbolicLink()) {
        throw new FaztError(
          "VALIDATION_FAILED",
          `${rel} is a symbolic link: fazt deploys regular files only (copy the target, or list it in .faztignore)`,
        );
      }
      if (isDir) {
        visit(abs, rel);
        continue;
      }
      if (!st.isFile()) {
        throw new FaztError("VALIDATION_FAILED", `${rel} is not a regular file (list it in .faztignore)`);
      }
      files.push({ path: checkDeployPath(rel), abs, size: st.size });
    }
  };

  visit(root, "");
  if (privateSkipped) {
    warnings.push("skipping private/ (listed in .gitignore); pass --include-private to deploy it");
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings };
}
