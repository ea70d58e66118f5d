import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

/** Random bytes from Web Crypto. */
export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return bytes;
}

/** Lower-case base32 of n random bytes: URL-, cookie- and filename-safe, no `_`. */
export function randomToken(n = 20): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(n));
}

export type IdPrefix = "app" | "ver" | "usr" | "key" | "dep" | "inv" | "idn" | "doc";

/** Prefixed random ids (`app_…`, `ver_…`): the kind is readable in logs and URLs. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(10)}`;
}
