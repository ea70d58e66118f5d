import { isIP } from "node:net";
import { listAliases } from "../../apps/index.ts";
import type { Store } from "../../db/index.ts";

/** Let's Encrypt's limit of names on one certificate. */
export const MAX_NAMES = 100;

/** A domain a public CA can certify: not `localhost`, `*.localhost`, nor an IP address. */
export function isCertifiableDomain(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, "");
  if (d === "" || d === "localhost" || d.endsWith(".localhost")) return false;
  if (isIP(d) !== 0 || /^[\d.]+$/.test(d)) return false;
  return d.includes(".");
}

/**
 * The names the certificate covers (docs/operations.md): `D`, `admin.D`, and `NAME.D`
 * for every alias that serves something (`app`, `redirect`). Reserved aliases
 * and names that are not aliases are never included; nothing for a domain a
 * public CA cannot certify. `D` and `admin.D` first, then the aliases by name.
 */
export function certNames(store: Store, domain: string): string[] {
  const d = domain.toLowerCase().replace(/\.$/, "");
  if (!isCertifiableDomain(d)) return [];
  // The aliases are the apps concern's table: read through its door (sorted by name there).
  const aliases = listAliases(store)
    .filter((a) => a.type === "app" || a.type === "redirect")
    .map((a) => `${a.name}.${d}`);
  return [...new Set([d, `admin.${d}`, ...aliases])];
}

/** True when every name in `wanted` is in `have`. */
export function covers(have: readonly string[], wanted: readonly string[]): boolean {
  const set = new Set(have.map((n) => n.toLowerCase()));
  return wanted.every((n) => set.has(n.toLowerCase()));
}
