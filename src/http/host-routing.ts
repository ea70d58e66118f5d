/**
 * docs/hosting.md, "Hosts": which part of Fazt answers a request, decided from its Host alone.
 * Pure and small on purpose: it is on every request's path and has its own tests.
 */
export type HostTarget =
  | { kind: "admin" }
  /** An app by alias name; `root` for the apex, `404` for the not-found app. */
  | { kind: "app"; name: string }
  /** `vN--NAME.D`: kept version N (its number, as `app versions` prints it) of app NAME, for admins. */
  | { kind: "preview"; app: string; seq: number }
  /** Anything else: answered with the 404 app's page and status 404. */
  | { kind: "unknown" };

const LOOPBACK_ADMIN = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A preview label; app names never look like this (apps/names.ts). */
const PREVIEW = /^v([1-9][0-9]{0,8})--([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$/;

/** Lower-cases, strips the port and one trailing dot; `null` for an unusable Host. */
export function normalizeHost(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let host = raw.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end < 0) return null;
    const rest = host.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return null;
    return host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(host.slice(colon + 1))) return null;
    host = host.slice(0, colon);
  }
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (!host || host.length > 253 || !/^[a-z0-9.-]+$/.test(host)) return null;
  return host;
}

const seen = new Map<string, HostTarget>();
let seenDomain = "";

/**
 * `routeHost` remembered per Host header value: the same few hosts arrive on
 * every request, and the regular expressions are the costliest part of it.
 * Bounded, so a flood of made-up hosts cannot grow it.
 */
export function routeHostCached(rawHost: string | null, domain: string): HostTarget {
  if (domain !== seenDomain) {
    seen.clear();
    seenDomain = domain;
  }
  if (rawHost === null) return routeHost(rawHost, domain);
  let target = seen.get(rawHost);
  if (target === undefined) {
    if (seen.size >= 1000) seen.clear();
    target = routeHost(rawHost, domain);
    seen.set(rawHost, target);
  }
  return target;
}

export function routeHost(rawHost: string | null | undefined, domain: string): HostTarget {
  const host = normalizeHost(rawHost);
  if (host === null) return { kind: "unknown" };
  if (LOOPBACK_ADMIN.has(host)) return { kind: "admin" };
  const d = domain.toLowerCase();
  if (host === d) return { kind: "app", name: "root" };
  for (const base of d === "localhost" ? [d] : [d, "localhost"]) {
    if (!host.endsWith(`.${base}`)) continue;
    const label = host.slice(0, -(base.length + 1));
    // One label only: a.b.D is unknown.
    if (!LABEL.test(label)) return { kind: "unknown" };
    if (label === "admin") return { kind: "admin" };
    const preview = PREVIEW.exec(label);
    if (preview) return { kind: "preview", app: preview[2]!, seq: Number(preview[1]) };
    return { kind: "app", name: label };
  }
  return { kind: "unknown" };
}
