/**
 * The path of a `_headers` rule, as Netlify reads it: case-insensitive, an
 * optional trailing slash, empty segments ignored (`//a//b/` is `/a/b`),
 * `:name` for one segment, and `*` anywhere. A `*` that is a whole segment
 * stands for any number of whole segments (`/a/*` is `/a` and everything
 * below it; with `/b` after it, `/a/b`, `/a/x/b` and `/a/x/y/b` match);
 * inside a segment it matches any characters, slashes too (`/*.js` is every
 * `.js` file at any depth).
 */
export interface HeaderPath {
  /** Lower-case leading literal segments: every matching path starts with them. */
  prefix: string[];
  /** null: the path is exactly `prefix` (matched by the index alone). */
  regex: RegExp | null;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The lower-case segments of a path or a request (`/A//b/` → `["a", "b"]`). */
export const headerParts = (path: string): string[] =>
  path
    .split("/")
    .map((p) => p.trimEnd().toLowerCase())
    .filter((p) => p !== "");

export function compileHeaderPath(source: string): HeaderPath | null {
  if (!source.startsWith("/")) return null;
  const parts = headerParts(source);
  const prefix: string[] = [];
  let i = 0;
  for (; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.startsWith(":") || p.includes("*")) break;
    prefix.push(p);
  }
  if (i === parts.length) return { prefix, regex: null };
  let body = "";
  for (const p of parts) {
    if (p === "*") body += "(?:/.*)?";
    else if (p.startsWith(":")) body += "/[^/]+";
    else body += `/${p.split("*").map(escapeRegex).join(".*")}`;
  }
  return { prefix, regex: new RegExp(`^${body}/?$`, "i") };
}
