import { constantTimeEqual } from "@oslojs/crypto/subtle";

const encoder = new TextEncoder();

/** Native (Bun) sha256: much faster than a JavaScript one, and no JIT warm-up at start. */
export function sha256Hex(data: string | Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** Compares two hex digests without leaking where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  return a.length === b.length && constantTimeEqual(encoder.encode(a), encoder.encode(b));
}
