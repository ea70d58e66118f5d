/**
 * Where a sign-in may send the browser afterwards (SPEC §7): a path on the
 * same host, or an http(s) URL on `D` or one of its subdomains. Anything else
 * — other hosts, `//evil`, `/\evil`, `javascript:` — falls back to `/`.
 */
export function safeRedirect(target: string | null | undefined, domain: string): string {
  if (!target) return "/";
  if (target.startsWith("/")) {
    if (target.startsWith("//") || target.startsWith("/\\")) return "/";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    return /[\u0000-\u001f\\]/.test(target) ? "/" : target;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return "/";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "/";
  if (url.username || url.password) return "/";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const d = domain.toLowerCase();
  return host === d || host.endsWith(`.${d}`) ? url.toString() : "/";
}
