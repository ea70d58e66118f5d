/**
 * A path (with its leading `/`) that names nothing servable: a segment that
 * starts with `.` (`.env`, `.git/…`), except under `/.well-known/`. Checked on
 * every path served, requested or rewritten; the common path has no `/.` and
 * costs one scan.
 */
export function isHiddenPath(path: string): boolean {
  if (!path.includes("/.")) return false;
  return !(path.startsWith("/.well-known/") || path === "/.well-known");
}
