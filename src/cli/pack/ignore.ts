/**
 * `.gitignore` pattern semantics, enough for deciding what a deploy packs:
 * comments, blank lines, `!` negation, a leading or inner `/` anchoring the
 * pattern to the root, a trailing `/` matching folders only, `*`, `?`, `[…]`
 * and `**`. The last matching rule wins; the walker never descends into an
 * ignored folder, so (as in git) nothing below it can be re-included.
 */

/** Where a rule came from: the deploy's verdicts on `private/` depend on it. */
export type RuleSource = "default" | "gitignore" | "faztignore";

export interface IgnoreRule {
  source: RuleSource;
  /** The line as written, for messages. */
  pattern: string;
  negate: boolean;
  dirOnly: boolean;
  regex: RegExp;
}

/** Turns one gitignore line into a rule; null for blank lines and comments. */
export function parseIgnoreLine(line: string, source: RuleSource): IgnoreRule | null {
  // Trailing spaces are ignored unless escaped with a backslash.
  let text = line.replace(/\r$/, "").replace(/(?<!\\)\s+$/, "");
  if (text === "" || text.startsWith("#")) return null;
  let negate = false;
  if (text.startsWith("!")) {
    negate = true;
    text = text.slice(1);
  } else if (text.startsWith("\\!") || text.startsWith("\\#")) {
    text = text.slice(1);
  }
  let dirOnly = false;
  if (text.endsWith("/")) {
    dirOnly = true;
    text = text.replace(/\/+$/, "");
  }
  if (text === "") return null;
  // A slash anywhere but the end anchors the pattern to the root; otherwise it matches at any depth.
  const anchored = text.includes("/");
  if (text.startsWith("/")) text = text.replace(/^\/+/, "");
  const body = globToRegex(text);
  const regex = new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`);
  return { source, pattern: line.trim(), negate, dirOnly, regex };
}

export function parseIgnoreFile(text: string, source: RuleSource): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of text.split("\n")) {
    const rule = parseIgnoreLine(line, source);
    if (rule) rules.push(rule);
  }
  return rules;
}

/** A glob (slash-separated) as a regular expression body. */
function globToRegex(glob: string): string {
  let out = "";
  let i = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const atStart = i === 0 || glob[i - 1] === "/";
      const atEnd = i + 2 === glob.length || glob[i + 2] === "/";
      if (atStart && atEnd) {
        if (i + 2 === glob.length) {
          // `x/**`: everything inside x (x itself is matched by the walker's folder check).
          out += ".*";
          i += 2;
        } else {
          // `**/` at the start or `/**/` inside: zero or more folders.
          out += "(?:.*/)?";
          i += 3;
        }
        continue;
      }
      // `**` not delimited by slashes behaves like `*`.
      out += "[^/]*";
      i += 2;
      continue;
    }
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\" && i + 1 < glob.length) {
      out += escapeRegex(glob[i + 1]!);
      i += 2;
      continue;
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) out += "\\[";
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith("!")) cls = `^${cls.slice(1)}`;
        out += `[${cls.replace(/\\/g, "\\\\")}]`;
        i = end + 1;
        continue;
      }
    } else out += escapeRegex(c);
    i++;
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The rule deciding `path` (relative, `/`-separated), or null when none matches. */
export function decidingRule(rules: IgnoreRule[], path: string, isDir: boolean): IgnoreRule | null {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.dirOnly && !isDir) continue;
    if (rule.regex.test(path)) return rule;
  }
  return null;
}

/** True when the rules exclude `path`. */
export function isIgnored(rules: IgnoreRule[], path: string, isDir: boolean): boolean {
  const rule = decidingRule(rules, path, isDir);
  return rule !== null && !rule.negate;
}

/**
 * What every deploy skips, whatever the ignore files say: dot-files and
 * dot-folders, `node_modules`, `*.log`. Only `.faztignore` (read after these)
 * can re-include one of them, e.g. `!.well-known/`; a `.gitignore` negation
 * such as `!.env.example` must not publish a dot-file by accident.
 */
export const DEFAULT_RULES: IgnoreRule[] = [".*", "node_modules/", "*.log"].map(
  (p) => parseIgnoreLine(p, "default")!,
);
