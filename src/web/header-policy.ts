/**
 * What an app may not put in its responses, from `_headers` or from its code:
 * Fazt's own security headers and request id, `Clear-Site-Data`, and cookies
 * that could pass for Fazt's or reach other hosts. Such headers are dropped
 * and the app's log says why.
 */
import { HSTS } from "./hsts.ts";

/** Set by Fazt on every response; an app's value never replaces them. */
const FAZT_OWNED = new Set(["x-content-type-options", "x-request-id", "strict-transport-security"]);

/** Token characters of a cookie name (RFC 6265 `cookie-name`). */
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Why a cookie may not be set by an app, or null when it may. A cookie named
 * `fazt_*` could stand in for the session cookie; one with `Domain` would
 * reach every app of the instance (app cookies are host-only); a nameless one
 * is sent back as its bare value, so `=fazt_session=x` would arrive as the
 * session cookie.
 */
export function refusedCookie(value: string): string | null {
  const semi = value.indexOf(";");
  const pair = semi < 0 ? value : value.slice(0, semi);
  const eq = pair.indexOf("=");
  const name = eq < 0 ? "" : pair.slice(0, eq).trim();
  if (!COOKIE_NAME.test(name)) return "a cookie without a valid name was dropped";
  if (name.toLowerCase().startsWith("fazt_"))
    return `the cookie ${name} was dropped: fazt_* names are Fazt's`;
  if (semi >= 0) {
    for (const attr of value.slice(semi + 1).split(";")) {
      const at = attr.indexOf("=");
      if ((at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase() === "domain") {
        return `the cookie ${name} was dropped: app cookies are host-only (no Domain attribute)`;
      }
    }
  }
  return null;
}

/**
 * Whether a response header from an app is kept: null keeps it; a string
 * drops it, and when not empty it is the warning for the app's log. `name` is
 * lower-case; `fazt` is Fazt's own value for it on this response, if any: the
 * same value again changes nothing and is dropped without a warning.
 */
export function refusedHeader(name: string, value: string, fazt: string | undefined): string | null {
  if (FAZT_OWNED.has(name)) {
    return fazt !== undefined && fazt.toLowerCase() === value.trim().toLowerCase()
      ? ""
      : `the ${name} header was dropped: Fazt sets it`;
  }
  if (name === "clear-site-data") return "the clear-site-data header was dropped: apps cannot send it";
  if (name === "set-cookie") return refusedCookie(value);
  return null;
}

/**
 * Splits a `Set-Cookie` value that holds several cookies joined by commas (as
 * `Headers.append` and arrays of cookies produce) into one value per cookie.
 * A comma starts a new cookie only when `name=` (or a bare `=`) follows, so the comma of an
 * `Expires` date stays inside its cookie. Each piece is checked and sent as
 * its own header: what the browser receives is exactly what was checked.
 */
export function splitSetCookie(value: string): string[] {
  if (!value.includes(",")) return [value];
  const out: string[] = [];
  let start = 0;
  for (let i = value.indexOf(","); i >= 0; i = value.indexOf(",", i + 1)) {
    // A nameless `=value` starts a cookie too: it must be checked on its own.
    const rest = /^\s*([^=;,\s]*)=/.exec(value.slice(i + 1));
    if (rest && (rest[1] === "" || COOKIE_NAME.test(rest[1]!))) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((c) => c !== "");
}

/** Fazt's values that a `_headers` rule may repeat without a warning (HSTS: the value sent over HTTPS). */
const RULE_DEFAULTS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "strict-transport-security": HSTS,
};

/** `refusedHeader` for a `_headers` rule, checked at deploy when no response exists yet. */
export const refusedRuleHeader = (name: string, value: string): string | null =>
  refusedHeader(name, value, RULE_DEFAULTS[name]);
