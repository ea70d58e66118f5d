/**
 * Where Fazt's releases are published and which keys sign them: the one place
 * for both. `install.sh` cannot import this and keeps a copy of each
 * (`DEFAULT_BASE_URL`, `RELEASE_PUBLIC_KEYS`); tests/ops/install.test.ts fails
 * when the copies differ. How releases are signed and how to rotate a key:
 * docs/releases.md.
 */
import * as v from "valibot";

// build.ts defines this (comma-separated keys) when FAZT_RELEASE_PUBLIC_KEY is set at build time.
declare const FAZT_RELEASE_PUBLIC_KEYS: string | undefined;

/** GitHub's release layout: `BASE/latest/download/FILE`, `BASE/download/vV/FILE`. */
export const DEFAULT_RELEASE_BASE_URL = "https://github.com/fazt-sh/fazt-ts/releases";

/**
 * The project's release signing keys: base64 of each raw 32-byte Ed25519
 * public key. The private half is the CI secret FAZT_RELEASE_KEY and is never
 * in the repository. More than one only while a key is being rotated.
 */
export const PROJECT_RELEASE_PUBLIC_KEYS: readonly string[] = [
  "IctQ/KNrxRcL46BcPTN8vC/sdHbAI5aCi+FnjH5x6d8=",
];

/** The keys this binary trusts on its own (a build may compile in others, as the tests' builds do). */
export const RELEASE_PUBLIC_KEYS: readonly string[] =
  typeof FAZT_RELEASE_PUBLIC_KEYS === "string"
    ? FAZT_RELEASE_PUBLIC_KEYS.split(",").filter(Boolean)
    : PROJECT_RELEASE_PUBLIC_KEYS;

/** Canonical base64 of exactly 32 bytes: 43 characters whose last holds 2 spare zero bits, then `=`. */
const RAW_32_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export const releasePublicKeySchema = v.pipe(
  v.string("must be text"),
  v.trim(),
  v.regex(RAW_32_BASE64, "must be an Ed25519 public key: base64 of its raw 32 bytes (44 characters)"),
);

/** `127.0.0.0/8`, `::1` and `localhost`: plain http there never crosses a network. */
function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  // The URL parser has already turned 2130706433, 0x7f.1 and the like into dotted 127.x.y.z.
  return h === "localhost" || h === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Why `raw` may not be fetched for a release (a base, or where a download is
 * redirected), or null when it may: `https://`, or plain `http://` on
 * loopback only, with no user name or password.
 */
export function releaseUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not hold a user name or password";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return null;
  return "must be an https:// URL (plain http:// only on loopback: 127.0.0.0/8, ::1, localhost)";
}

/** As releaseUrlProblem, and a base takes file names after it: no query or fragment. */
export function releaseBaseProblem(raw: string): string | null {
  const problem = releaseUrlProblem(raw);
  if (problem) return problem;
  const url = new URL(raw);
  return url.search || url.hash ? "must not have a query or fragment" : null;
}

export const releaseBaseUrlSchema = v.pipe(
  v.string("must be a URL"),
  v.trim(),
  v.maxLength(2000, "is too long"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = releaseBaseProblem(dataset.value);
    if (problem) addIssue({ message: problem });
  }),
);
