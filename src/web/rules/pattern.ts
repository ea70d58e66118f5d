/**
 * Netlify-style path patterns of `_redirects`: literal segments, `:name` for
 * one segment, and a trailing `*` for the rest. Empty segments are ignored as
 * Netlify does (`//a//b/` is `/a/b`).
 */
export type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string };

export interface PathPattern {
  segments: Segment[];
  /** Ends in `*`: matches the pattern's prefix and anything below it. */
  splat: boolean;
}

/** The segments of a request path (`/a/b/` → `["a", "b"]`, `/` → `[]`). */
export function pathParts(path: string): string[] {
  const parts = path.split("/");
  parts.shift();
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

export function compilePattern(source: string): PathPattern | null {
  if (!source.startsWith("/")) return null;
  const parts = source.split("/").filter((p) => p !== "");
  let splat = false;
  if (parts.at(-1) === "*") {
    splat = true;
    parts.pop();
  }
  const segments: Segment[] = [];
  for (const p of parts) {
    if (p.includes("*")) return null; // `*` only as the whole last segment
    if (p.startsWith(":")) {
      if (!/^:[A-Za-z_][A-Za-z0-9_]*$/.test(p)) return null;
      segments.push({ kind: "param", name: p.slice(1) });
    } else {
      segments.push({ kind: "literal", value: p });
    }
  }
  return { segments, splat };
}

/** The literal segments a pattern starts with: every path it matches starts with them. */
export function literalPrefix(pattern: PathPattern): string[] {
  const out: string[] = [];
  for (const seg of pattern.segments) {
    if (seg.kind !== "literal") break;
    out.push(seg.value);
  }
  return out;
}

/** A pattern with neither placeholders nor `*`: it matches one path only. */
export const isLiteral = (pattern: PathPattern): boolean =>
  !pattern.splat && pattern.segments.every((s) => s.kind === "literal");

/** Matches the segments of a path; returns the captured placeholders (and `splat`), or null. */
export function matchParts(pattern: PathPattern, parts: string[]): Record<string, string> | null {
  const { segments, splat } = pattern;
  if (splat ? parts.length < segments.length : parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i]!;
    if (seg.kind === "literal") {
      if (seg.value !== part) return null;
    } else {
      if (part === "") return null;
      params[seg.name] = part;
    }
  }
  if (splat) params.splat = parts.slice(segments.length).join("/");
  return params;
}

/** Matches a request path; returns the captured placeholders (and `splat`), or null. */
export const matchPattern = (pattern: PathPattern, path: string): Record<string, string> | null =>
  matchParts(pattern, pathParts(path));
