import { SESSION_COOKIE, SESSION_MS } from "./sessions.ts";

/** One cookie's value from a `Cookie` header, or null. */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The `Cookie` header without the session cookie: what app code is allowed to see. */
export function withoutSessionCookie(header: string | null): string | null {
  if (!header) return null;
  const kept = header
    .split(";")
    .filter((part) => part.split("=")[0]?.trim() !== SESSION_COOKIE)
    .map((p) => p.trim())
    .filter(Boolean);
  return kept.length ? kept.join("; ") : null;
}

/**
 * `Domain=.D` so one sign-in covers every app; host-only on localhost and IP
 * addresses, where browsers refuse a Domain attribute.
 */
function domainAttr(domain: string): string {
  if (domain === "localhost" || /^[\d.]+$/.test(domain) || domain.includes(":")) return "";
  return `; Domain=.${domain}`;
}

/**
 * The session cookie. `hostOnly` for a session a handoff brought to one
 * host (handoff.ts): it belongs to that host alone, whatever `D` is.
 */
export function sessionCookie(
  token: string,
  opts: { domain: string; https: boolean; hostOnly?: boolean },
): string {
  const secure = opts.https ? "; Secure" : "";
  const domain = opts.hostOnly ? "" : domainAttr(opts.domain);
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MS / 1000}${domain}${secure}`;
}

/**
 * The cookies that remove the session cookie: the host-only one a handoff
 * sets, and the `Domain=.D` one a sign-in sets where D allows it.
 */
export function clearSessionCookies(opts: { domain: string; https: boolean }): string[] {
  const secure = opts.https ? "; Secure" : "";
  const base = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
  const domain = domainAttr(opts.domain);
  return domain ? [`${base}${secure}`, `${base}${domain}${secure}`] : [`${base}${secure}`];
}

/** Holds a started OAuth sign-in's state in the browser that started it (login CSRF). */
export const OAUTH_STATE_COOKIE = "fazt_oauth_state";

/**
 * Host-only (no Domain) on the host the provider returns to, only under
 * `/auth`, and only for as long as the state lives. SameSite=Lax still sends
 * it on the provider's top-level redirect back to the callback.
 */
export function oauthStateCookie(state: string, opts: { https: boolean; maxAgeMs: number }): string {
  const secure = opts.https ? "; Secure" : "";
  return `${OAUTH_STATE_COOKIE}=${state}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(opts.maxAgeMs / 1000)}${secure}`;
}

export function clearOauthStateCookie(opts: { https: boolean }): string {
  const secure = opts.https ? "; Secure" : "";
  return `${OAUTH_STATE_COOKIE}=; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
}

/** Holds this browser's handoff state on an app host, binding the codes issued for it (handoff.ts). */
export const HANDOFF_STATE_COOKIE = "fazt_handoff";
const HANDOFF_STATE_SECONDS = 600;

/** Host-only, only under `/auth`; SameSite=Lax still sends it on the admin host's redirect back. */
export function handoffStateCookie(state: string, opts: { https: boolean }): string {
  const secure = opts.https ? "; Secure" : "";
  return `${HANDOFF_STATE_COOKIE}=${state}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=${HANDOFF_STATE_SECONDS}${secure}`;
}
