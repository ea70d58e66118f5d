import { FaztError } from "../../core/errors.ts";
import { refusedRuleHeader } from "../header-policy.ts";
import { compilePattern, matchPattern, type PathPattern } from "./pattern.ts";

export interface HeaderRule {
  path: string;
  headers: Array<[string, string]>;
}

const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers an app may not set: they belong to the server or would break serving. */
const RESERVED = new Set([
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "set-cookie",
  "etag",
  "content-range",
]);

/**
 * Parses a `_headers` file: a path pattern on its own line, then indented
 * `Name: value` lines. Parsed once at deploy; a bad line is a 400 naming it.
 * A header an app may not send (`header-policy.ts`) is left out and `warn`
 * is told, naming the line.
 */
export function parseHeaders(text: string, warn: (message: string) => void = () => {}): HeaderRule[] {
  const rules: HeaderRule[] = [];
  let current: HeaderRule | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const bad = (why: string) =>
      new FaztError("VALIDATION_FAILED", `_headers line ${i + 1}: ${why}`, {
        details: { file: "_headers", line: i + 1 },
      });
    if (!raw.trim() || raw.trim().startsWith("#")) return;
    if (!/^\s/.test(raw)) {
      const path = raw.trim();
      if (!compilePattern(path))
        throw bad(`"${path}" is not a path pattern (start with /; * only at the end)`);
      current = { path, headers: [] };
      rules.push(current);
      return;
    }
    if (!current) throw bad("a header line needs a path line above it");
    const line = raw.trim();
    const colon = line.indexOf(":");
    if (colon <= 0) throw bad("expected `Name: value`");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!NAME.test(name)) throw bad(`"${name}" is not a valid header name`);
    if (RESERVED.has(name.toLowerCase())) throw bad(`${name} cannot be set from _headers`);
    if (/[\r\n\0]/.test(value)) throw bad("header values cannot contain control characters");
    const refused = refusedRuleHeader(name.toLowerCase(), value);
    if (refused === null) current.headers.push([name, value]);
    else if (refused) warn(`_headers line ${i + 1}: ${refused}`);
  });
  return rules;
}

export interface CompiledHeaderRule extends HeaderRule {
  pattern: PathPattern;
}

/** Also leaves out refused headers that versions deployed before the check was made still carry. */
export const compileHeaders = (rules: HeaderRule[]): CompiledHeaderRule[] =>
  rules.map((r) => ({
    path: r.path,
    headers: r.headers.filter(([name, value]) => refusedRuleHeader(name.toLowerCase(), value) === null),
    pattern: compilePattern(r.path)!,
  }));

/** Every header of every rule matching `path`, in file order (later rules win). */
export function headersFor(rules: CompiledHeaderRule[], path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const rule of rules) if (matchPattern(rule.pattern, path)) out.push(...rule.headers);
  return out;
}
