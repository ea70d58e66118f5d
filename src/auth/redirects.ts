/** A base no real host has: a relative target that resolves off it points at another host. */
const BASE = "http://fazt.invalid";

/**
 * The target as a browser will read it: compatibility forms folded (NFKC:
 * full-width `／` and `．` become `/` and `.`), ideographic full stops
 * (U+3002, and U+FF61 after folding) become `.`, backslashes `/` — so
 * `/。evil.com`, `／／evil.com` or `/\evil.com` are judged as what they become.
 */
function normalise(target: string): string {
  return target
    .normalize("NFKC")
    .replace(/[\u3002\uff0e\uff61]/g, ".")
    .replace(/\\/g, "/");
}

/**
 * Where a sign-in may send the browser afterwards: a path on the same host,
 * or an http(s) URL on `domain` or one of its subdomains. Anything else —
 * other hosts, `//evil`, `/\evil`, `/。evil`, `javascript:` — falls back to `/`.
 * The answer is always plain ASCII (percent-encoded, IDN hosts in punycode),
 * so it can go into a `Location` header without failing.
 */
export function safeRedirect(target: string | null | undefined, domain: string): string {
  const t = readable(target);
  if (t === null) return "/";
  if (t.startsWith("/")) {
    let url: URL;
    try {
      url = new URL(t, BASE);
    } catch {
      return "/";
    }
    // `//host` and the like resolve to another origin: not a path on this host.
    if (url.origin !== BASE || t.startsWith("//")) return "/";
    const path = `${url.pathname}${url.search}${url.hash}`;
    // Resolving dot segments can leave `//x` (`/..//evil.com`), which a browser reads as a host.
    return path.startsWith("//") ? "/" : path;
  }
  const url = absoluteUrl(t);
  if (!url) return "/";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  const d = domain.toLowerCase();
  return host === d || host.endsWith(`.${d}`) ? url.href : "/";
}

/** The target normalised as a browser reads it; null when too long or holding control characters. */
function readable(target: string | null | undefined): string | null {
  if (!target || target.length > 4096) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(target)) return null;
  return normalise(target);
}

function absoluteUrl(t: string): URL | null {
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  return url;
}

/**
 * An absolute http(s) target read the way `safeRedirect` reads it (so the
 * same tricks fail), without judging its host: the sign-in handoff decides
 * which other hosts it serves. Its path is already a safe one (`safeRedirect`'s
 * rules for paths). null for paths, other schemes and anything unreadable.
 */
export function absoluteTarget(target: string | null | undefined): { url: URL; path: string } | null {
  const t = readable(target);
  const url = t === null || t.startsWith("/") ? null : absoluteUrl(t);
  if (!url) return null;
  return { url, path: safeRedirect(`${url.pathname}${url.search}${url.hash}`, "fazt.invalid") };
}
