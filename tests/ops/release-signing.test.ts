/**
 * build.ts signs `checksums.txt` into `checksums.txt.sig` (docs/releases.md):
 * one line, base64 of the Ed25519 signature by FAZT_RELEASE_KEY; without a
 * key, no signature and a clear word about it.
 */
import { afterAll, describe, expect, spyOn, test } from "bun:test";
import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signRelease } from "../../build.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { buildWithTestKey, TEST_KEY } from "./release.ts";

/** Whether `dir/checksums.txt.sig` is `publicKey`'s signature of `dir/checksums.txt`, checked by node:crypto. */
function verifies(dir: string, publicKey: string): boolean {
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(publicKey, "base64"),
  ]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const sig = Buffer.from(readFileSync(join(dir, "checksums.txt.sig"), "utf8").trim(), "base64");
  return verify(null, readFileSync(join(dir, "checksums.txt")), key, sig);
}

/** Runs `fn` with console.warn captured; returns what was warned. */
function warnings(fn: () => void): string[] {
  const warn = spyOn(console, "warn").mockImplementation(() => {});
  try {
    fn();
    return warn.mock.calls.map((c) => String(c[0]));
  } finally {
    warn.mockRestore();
  }
}

afterAll(cleanupTemp);

describe("build.ts signs the release", () => {
  test("bun build.ts with FAZT_RELEASE_KEY: checksums.txt.sig is one line, base64 of the signature", () => {
    const { dir } = buildWithTestKey();
    expect(readFileSync(join(dir, "checksums.txt.sig"), "utf8")).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
    expect(verifies(dir, TEST_KEY.publicKey)).toBe(true);
    // Over the exact bytes: one more byte in (a copy of) checksums.txt and it no longer verifies.
    const copy = tempDir();
    copyFileSync(join(dir, "checksums.txt.sig"), join(copy, "checksums.txt.sig"));
    writeFileSync(join(copy, "checksums.txt"), `${readFileSync(join(dir, "checksums.txt"), "utf8")} `);
    expect(verifies(copy, TEST_KEY.publicKey)).toBe(false);
  }, 300_000);

  test("without FAZT_RELEASE_KEY: no signature (a stale one removed), and it says so", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "checksums.txt"), "x  fazt-1.0.0-linux-x64.tar.gz\n");
    writeFileSync(join(dir, "checksums.txt.sig"), "left over from an earlier build\n");
    const said = warnings(() => {
      expect(signRelease(dir, undefined, [TEST_KEY.publicKey])).toBeNull();
      expect(signRelease(dir, "  ", [TEST_KEY.publicKey])).toBeNull();
    });
    expect(said[0]).toContain("checksums.txt is NOT signed");
    expect(existsSync(join(dir, "checksums.txt.sig"))).toBe(false);
  });

  test("a base64 seed or a PKCS#8 PEM signs; a key the binaries do not trust is said loudly", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "checksums.txt"), "x  fazt-1.0.0-linux-x64.tar.gz\n");
    expect(signRelease(dir, TEST_KEY.seed, [TEST_KEY.publicKey])).toBe(join(dir, "checksums.txt.sig"));
    expect(verifies(dir, TEST_KEY.publicKey)).toBe(true);

    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const said = warnings(() => signRelease(dir, pem, [TEST_KEY.publicKey]));
    expect(said[0]).toContain("do not trust");
    expect(verifies(dir, TEST_KEY.publicKey)).toBe(false);
    expect(() => signRelease(dir, "not a key", [TEST_KEY.publicKey])).toThrow(
      "FAZT_RELEASE_KEY is not an Ed25519 private key",
    );
  });
});
