import { isHiddenPath } from "../hidden.ts";
import { lineError, MAX_RULES, tooManyRules } from "./errors.ts";
import { PathIndex } from "./path-index.ts";
import {
  compilePattern,
  isLiteral,
  literalPrefix,
  matchParts,
  type PathPattern,
  pathParts,
} from "./pattern.ts";

export type RedirectStatus = 200 | 301 | 302 | 307 | 308 | 404;

export interface RedirectRule {
  from: string;
  to: string;
  status: RedirectStatus;
  /** `!`: applies even when a file exists at the path. */
  force: boolean;
}

const STATUSES = new Set([200, 301, 302, 307, 308, 404]);
const STATUS_TOKEN = /^(\d{3})(!?)$/;
const isUrl = (s: string) => /^https?:\/\//i.test(s);
const isTarget = (s: string) => s.startsWith("/") || isUrl(s);

/** Netlify's conditions, refused by name: Fazt has no geolocation, roles of its own or cookie matching. */
const CONDITIONS: Record<string, string> = {
  country: "Country",
  language: "Language",
  role: "Role",
  cookie: "Cookie",
  sign: "Sign",
  signed: "Sign",
};

/**
 * Parses a `_redirects` file (Netlify syntax: `FROM [TO] [STATUS][!]`, a
 * comment after `#`). Parsed once at deploy; a bad line is a 400 that names
 * the line. What Netlify has and Fazt does not — conditions, query matching,
 * proxying, domain-level rules — is refused by name, never half-applied.
 */
export function parseRedirects(text: string): RedirectRule[] {
  const rules: RedirectRule[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith("#")) continue;
    if (rules.length === MAX_RULES) throw tooManyRules("_redirects", i + 1);
    rules.push(parseLine(line, (why) => lineError("_redirects", i + 1, why)));
  }
  return rules;
}

function parseLine(line: string, bad: (why: string) => Error): RedirectRule {
  const all = line.split(/\s+/);
  // An inline comment: from the first field that starts with `#` (`/a#b` is a field, not a comment).
  const hash = all.findIndex((f) => f.startsWith("#"));
  const fields = hash < 0 ? all : all.slice(0, hash);
  const [from, ...rest] = fields as [string, ...string[]];
  if (rest.length === 0) throw bad("expected `FROM TO [STATUS]`");
  if (isUrl(from)) throw bad(`"${from}": domain-level rules (a FROM with a host) are not supported`);
  if (from.includes("?")) throw bad(`"${from}": query-parameter matching is not supported`);
  if (!compilePattern(from)) throw bad(`"${from}" is not a path pattern (start with /; * only at the end)`);
  if (isHiddenPath(from))
    throw bad(
      `"${from}": paths with a segment starting with "." are never served, so the rule could not apply`,
    );

  let to: string;
  let next = 0;
  const forward = STATUS_TOKEN.test(rest[0]!);
  if (forward) {
    // `/admin/* 200`: a rule without TO rewrites to the same path (Netlify's forward rule).
    if (!from.endsWith("/*")) throw bad(`expected a TO before "${rest[0]}" (only FROM/* may leave it out)`);
    to = `${from.slice(0, -2)}/:splat`;
  } else {
    const at = rest.findIndex(isTarget);
    const before = at < 0 ? rest : rest.slice(0, at);
    const query = before.find((f) => f.includes("="));
    if (query) throw bad(`"${query}": query-parameter matching is not supported`);
    if (at !== 0) throw bad(`"${rest[0]}" must be a path (/…) or an http(s) URL`);
    to = rest[0]!;
    next = 1;
  }
  if (to.startsWith("//")) throw bad(`"${to}" must be a path (/…) or an http(s) URL with its scheme`);

  let status: RedirectStatus = 301;
  let force = false;
  const code = rest[next];
  if (code !== undefined && !code.includes("=")) {
    const m = STATUS_TOKEN.exec(code);
    if (!m || !STATUSES.has(Number(m[1])))
      throw bad(`"${code}" is not one of 200, 301, 302, 307, 308, 404 (optionally with !)`);
    status = Number(m[1]) as RedirectStatus;
    force = m[2] === "!";
    next++;
  }
  for (const field of rest.slice(next)) {
    const eq = field.indexOf("=");
    const name = eq > 0 ? CONDITIONS[field.slice(0, eq).toLowerCase()] : undefined;
    if (name === "Sign") throw bad(`"${field}": signed proxy rules are not supported`);
    if (name) throw bad(`"${field}": ${name} conditions are not supported`);
    throw bad(`unexpected "${field}"`);
  }
  if (forward && status !== 200) throw bad(`only a 200 rule may leave out TO (it rewrites to the same path)`);
  if (status === 200 && isUrl(to))
    throw bad(`"${to}": proxying (a 200 rule to another site) is not supported; use 301 or 302`);
  return { from, to, status, force };
}

export interface CompiledRedirect extends RedirectRule {
  pattern: PathPattern;
}

/** The rules of a version, indexed for matching (built at first load). */
export interface RedirectTable {
  rules: CompiledRedirect[];
  index: PathIndex;
  hasForced: boolean;
}

/** Rules stored by any version; a rule whose pattern no longer compiles is left out. */
export function compileRedirects(stored: RedirectRule[]): RedirectTable {
  const rules: CompiledRedirect[] = [];
  const index = new PathIndex();
  for (const r of stored) {
    const pattern = compilePattern(r.from);
    if (!pattern) continue;
    index.add(rules.length, literalPrefix(pattern), isLiteral(pattern));
    rules.push({ from: r.from, to: r.to, status: r.status, force: r.force, pattern });
  }
  return { rules, index, hasForced: rules.some((r) => r.force) };
}

/** Fills `:name` and `:splat` in a target; a redirect's Location gets them percent-encoded. */
function fill(to: string, params: Record<string, string>, encode: boolean): string {
  return to.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return encode ? encodeURI(value).replace(/[?#]/g, encodeURIComponent) : value;
  });
}

/**
 * The first rule that matches `path` (`forcedOnly` for the check before
 * files), with its target filled in. `path` is decoded: a rewrite's target
 * is a path of this site, a redirect's target goes out encoded.
 */
export function findRedirect(
  table: RedirectTable,
  path: string,
  forcedOnly: boolean,
): { rule: CompiledRedirect; target: string } | null {
  if (forcedOnly && !table.hasForced) return null;
  const parts = pathParts(path);
  // Each rule that passes has a lower number than the one before: the last one kept is the first rule.
  const hit: { params: Record<string, string> | null } = { params: null };
  const found = table.index.first(parts, (i) => {
    const rule = table.rules[i]!;
    if (forcedOnly && !rule.force) return false;
    const params = matchParts(rule.pattern, parts);
    if (params) hit.params = params;
    return params !== null;
  });
  if (found < 0 || !hit.params) return null;
  const rule = table.rules[found]!;
  // `/news/*` at `/news/2024/`: the splat is `2024/`, so a folder's URL stays one.
  if (hit.params.splat && path.endsWith("/")) hit.params.splat += "/";
  const redirect = rule.status !== 200 && rule.status !== 404;
  return { rule, target: fill(rule.to, hit.params, redirect) };
}
