/**
 * Signed releases (docs/releases.md): `checksums.txt.sig` is one line, the
 * base64 of the raw 64-byte Ed25519 signature over the exact bytes of
 * `checksums.txt`. build.ts signs with FAZT_RELEASE_KEY; `fazt upgrade`
 * verifies against the compiled-in keys plus those the machine's owner added
 * with `server set-config --release-public-key`. Keys everywhere are base64
 * of their raw 32 bytes.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { FaztError, RELEASE_PUBLIC_KEYS } from "../core/index.ts";

export const SIGNATURE_FILE = "checksums.txt.sig";

// DER headers that turn a raw Ed25519 key into SPKI (public) and PKCS#8 (private) form (RFC 8410).
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** Strict base64 (no line breaks, canonical padding) of exactly `bytes` bytes, or null. */
function decodeBase64(text: string, bytes: number): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const raw = Buffer.from(text, "base64");
  return raw.length === bytes && raw.toString("base64") === text ? raw : null;
}

export function publicKeyFromBase64(key: string): KeyObject {
  const raw = decodeBase64(key.trim(), 32);
  if (!raw) throw new FaztError("VALIDATION_FAILED", `release public key ${key}: not base64 of 32 bytes`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

/** Base64 of the raw 32 bytes of the public half of `key` (private or public). */
export function publicKeyBase64(key: KeyObject): string {
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return Buffer.from(spki.subarray(SPKI_PREFIX.length)).toString("base64");
}

/**
 * FAZT_RELEASE_KEY: base64 of the 32-byte Ed25519 private seed (one line, what
 * docs/releases.md recommends for a CI secret), or a PKCS#8 PEM
 * (`openssl genpkey -algorithm ed25519`).
 */
export function parseReleasePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (trimmed.startsWith("-----BEGIN")) {
      key = createPrivateKey({ key: trimmed, format: "pem" });
    } else {
      const seed = decodeBase64(trimmed, 32);
      if (!seed) throw new Error("not base64 of a 32-byte seed");
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
    }
  } catch (e) {
    throw new FaztError(
      "VALIDATION_FAILED",
      `FAZT_RELEASE_KEY is not an Ed25519 private key (base64 of the 32-byte seed, or a PKCS#8 PEM): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new FaztError(
      "VALIDATION_FAILED",
      `FAZT_RELEASE_KEY is a ${key.asymmetricKeyType} key; releases are signed with Ed25519`,
    );
  }
  return key;
}

/** The contents of `checksums.txt.sig` for `checksums`: base64 of the signature, and a newline. */
export function signChecksums(checksums: Uint8Array, key: KeyObject): string {
  return `${sign(null, checksums, key).toString("base64")}\n`;
}

/**
 * Checks `signature` (the text of `checksums.txt.sig`) over `checksums`
 * against the compiled-in keys and `extraKeys`; returns the key that signed.
 * Throws, before anything is written, when none did.
 */
export function verifyChecksums(
  checksums: Uint8Array,
  signature: string,
  extraKeys: readonly string[] = [],
): string {
  const raw = decodeBase64(signature.trim(), 64);
  if (!raw) {
    throw new FaztError(
      "UNAVAILABLE",
      `${SIGNATURE_FILE} of this release is malformed (expected one line: base64 of a 64-byte Ed25519 signature); refusing it, nothing was changed`,
      { status: 502 },
    );
  }
  const trusted = [...new Set([...RELEASE_PUBLIC_KEYS, ...extraKeys])];
  for (const key of trusted) {
    if (verify(null, checksums, publicKeyFromBase64(key), raw)) return key;
  }
  throw new FaztError(
    "UNAVAILABLE",
    `the signature of checksums.txt does not match any trusted release key (${trusted.length} trusted); the release was tampered with or signed by someone else: refusing it, nothing was changed. A different signer can be trusted on this machine with \`fazt server set-config --release-public-key KEY\``,
    { status: 502 },
  );
}
