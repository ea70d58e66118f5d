import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeHexLowerCase } from "@oslojs/encoding";

const encoder = new TextEncoder();

export function sha256Hex(data: string | Uint8Array): string {
  return encodeHexLowerCase(sha256(typeof data === "string" ? encoder.encode(data) : data));
}

/** Compares two hex digests without leaking where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  return a.length === b.length && constantTimeEqual(encoder.encode(a), encoder.encode(b));
}
