/**
 * Cache-Control by file (docs/hosting.md): HTML is revalidated every time; a name
 * that carries a content hash (`assets/index-4f3a9c.js`, `app.3b8f9e2a.css`)
 * never changes, so it is cached for a year; anything else for five minutes.
 */
export const NO_CACHE = "no-cache";
export const IMMUTABLE = "public, max-age=31536000, immutable";
export const SHORT = "public, max-age=300";

// A hash token before the extension: 6+ characters mixing letters and digits.
const HASHED = /[.-]([A-Za-z0-9_]{6,64})\.[A-Za-z0-9]+$/;

export function isHashedName(path: string): boolean {
  const m = HASHED.exec(path);
  if (!m) return false;
  const token = m[1]!;
  return /[0-9]/.test(token) && /[A-Za-z]/.test(token);
}

export function cacheControlFor(path: string, mime: string): string {
  if (mime.startsWith("text/html")) return NO_CACHE;
  return isHashedName(path) ? IMMUTABLE : SHORT;
}
