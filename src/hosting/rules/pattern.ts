/**
 * Netlify-style path patterns shared by `_redirects` and `_headers`:
 * literal segments, `:name` for one segment, and a trailing `*` for the rest.
 */
export type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string };

export interface PathPattern {
  segments: Segment[];
  /** Ends in `*`: matches the pattern's prefix and anything below it. */
  splat: boolean;
}

export function compilePattern(source: string): PathPattern | null {
  if (!source.startsWith("/")) return null;
  const parts = source.split("/").slice(1);
  let splat = false;
  if (parts.at(-1) === "*") {
    splat = true;
    parts.pop();
  }
  if (parts.at(-1) === "") parts.pop(); // "/a/" is "/a"
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

/** Matches a request path; returns the captured placeholders (and `splat`), or null. */
export function matchPattern(pattern: PathPattern, path: string): Record<string, string> | null {
  const parts = path.split("/").slice(1);
  if (parts.at(-1) === "") parts.pop();
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
