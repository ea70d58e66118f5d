import { FaztError } from "../../core/errors.ts";
import { compilePattern, matchPattern, type PathPattern } from "./pattern.ts";

export type RedirectStatus = 200 | 301 | 302 | 307 | 308 | 404;

export interface RedirectRule {
  from: string;
  to: string;
  status: RedirectStatus;
  /** `!`: applies even when a file exists at the path. */
  force: boolean;
}

const STATUSES = new Set([200, 301, 302, 307, 308, 404]);

/**
 * Parses a `_redirects` file (Netlify syntax: `from to [status][!]`). Parsed
 * once at deploy; a bad line is a 400 that names the line.
 */
export function parseRedirects(text: string): RedirectRule[] {
  const rules: RedirectRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const bad = (why: string) =>
      new FaztError("VALIDATION_FAILED", `_redirects line ${i + 1}: ${why}`, {
        details: { file: "_redirects", line: i + 1 },
      });
    const fields = line.split(/\s+/);
    if (fields.length < 2) throw bad("expected `FROM TO [STATUS]`");
    if (fields.length > 3) throw bad(`unexpected "${fields[3]}" (conditions are not supported)`);
    const [from, to, code] = fields as [string, string, string | undefined];
    if (!compilePattern(from)) throw bad(`"${from}" is not a path pattern (start with /; * only at the end)`);
    if (!to.startsWith("/") && !/^https?:\/\/[^\s/]+/i.test(to))
      throw bad(`"${to}" must be a path or an http(s) URL`);
    let status: RedirectStatus = 301;
    let force = false;
    if (code !== undefined) {
      const m = /^(\d{3})(!?)$/.exec(code);
      if (!m || !STATUSES.has(Number(m[1])))
        throw bad(`"${code}" is not one of 200, 301, 302, 307, 308, 404 (optionally with !)`);
      status = Number(m[1]) as RedirectStatus;
      force = m[2] === "!";
    }
    if (status === 200 && !to.startsWith("/")) throw bad("a 200 rewrite must point at a path of this site");
    rules.push({ from, to, status, force });
  });
  return rules;
}

export interface CompiledRedirect extends RedirectRule {
  pattern: PathPattern;
}

export const compileRedirects = (rules: RedirectRule[]): CompiledRedirect[] =>
  rules.map((r) => ({ ...r, pattern: compilePattern(r.from)! }));

/** The first rule that matches `path` (`forcedOnly` for the check before files), with its target filled in. */
export function findRedirect(
  rules: CompiledRedirect[],
  path: string,
  forcedOnly: boolean,
): { rule: CompiledRedirect; target: string } | null {
  for (const rule of rules) {
    if (forcedOnly && !rule.force) continue;
    const params = matchPattern(rule.pattern, path);
    if (!params) continue;
    const target = rule.to.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) =>
      name in params ? params[name]! : whole,
    );
    return { rule, target };
  }
  return null;
}
