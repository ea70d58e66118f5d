import { refusedRuleHeader } from "../header-policy.ts";
import { lineError, MAX_RULES, tooManyRules } from "./errors.ts";
import { compileHeaderPath, type HeaderPath } from "./header-path.ts";
import { PathIndex } from "./path-index.ts";
import { pathParts } from "./pattern.ts";

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
 * Parses a `_headers` file as Netlify does: a line that starts with `/` is a
 * path, the `Name: value` lines under it are its headers (indentation does
 * not matter), and a name repeated in one block is one header whose values
 * are joined with `, ` (several `Link:` lines). Parsed once at deploy; a bad
 * line is a 400 naming it. A header an app may not send (`web/header-policy.ts`)
 * is left out and `warn` is told, naming the line.
 */
export function parseHeaders(text: string, warn: (message: string) => void = () => {}): HeaderRule[] {
  const rules: HeaderRule[] = [];
  let current: HeaderRule | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const bad = (why: string) => lineError("_headers", i + 1, why);
    const line = lines[i]!.trim();
    if (!line || line.startsWith("#")) continue;
    if (line.startsWith("/")) {
      if (rules.length === MAX_RULES) throw tooManyRules("_headers", i + 1);
      current = { path: line, headers: [] };
      rules.push(current);
      continue;
    }
    if (!current) throw bad("a header line needs a path line (starting with /) above it");
    const colon = line.indexOf(":");
    if (colon <= 0) throw bad("expected `Name: value`");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    if (!NAME.test(name)) throw bad(`"${name}" is not a valid header name`);
    if (RESERVED.has(lower)) throw bad(`${name} cannot be set from _headers`);
    if (value === "") throw bad(`${name} has no value`);
    if (/[\r\n\0]/.test(value)) throw bad("header values cannot contain control characters");
    const refused = refusedRuleHeader(lower, value);
    if (refused !== null) {
      if (refused) warn(`_headers line ${i + 1}: ${refused}`);
      continue;
    }
    const same = current.headers.find(([n]) => n.toLowerCase() === lower);
    if (same) same[1] = `${same[1]}, ${value}`;
    else current.headers.push([name, value]);
  }
  return rules.filter((r) => r.headers.length > 0);
}

export interface CompiledHeaderRule extends HeaderRule {
  match: HeaderPath;
}

/** The rules of a version, indexed for matching (built at first load); iterates over the rules. */
export class HeaderTable implements Iterable<CompiledHeaderRule> {
  constructor(
    readonly rules: CompiledHeaderRule[],
    readonly index: PathIndex,
  ) {}

  [Symbol.iterator](): Iterator<CompiledHeaderRule> {
    return this.rules[Symbol.iterator]();
  }
}

/** Also leaves out refused headers that versions deployed before the check was made still carry. */
export function compileHeaders(stored: HeaderRule[]): HeaderTable {
  const rules: CompiledHeaderRule[] = [];
  const index = new PathIndex();
  for (const r of stored) {
    const match = compileHeaderPath(r.path);
    const headers = r.headers.filter(
      ([name, value]) => refusedRuleHeader(name.toLowerCase(), value) === null,
    );
    if (!match || headers.length === 0) continue;
    index.add(rules.length, match.prefix, match.regex === null);
    rules.push({ path: r.path, headers, match });
  }
  return new HeaderTable(rules, index);
}

const NONE: Array<[string, string]> = [];

/** Every header of every rule matching `path`, in file order (a later rule's value wins). */
export function headersFor(table: HeaderTable, path: string): Array<[string, string]> {
  const found = table.index.all(pathParts(path.toLowerCase()), (i) =>
    table.rules[i]!.match.regex!.test(path),
  );
  if (found.length === 0) return NONE;
  if (found.length === 1) return table.rules[found[0]!]!.headers;
  const out: Array<[string, string]> = [];
  for (const i of found) out.push(...table.rules[i]!.headers);
  return out;
}
