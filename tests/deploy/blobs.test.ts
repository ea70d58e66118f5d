import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { sha256Hex } from "../../src/core/crypto.ts";
import { FaztError } from "../../src/core/errors.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { collectGarbage, existingBlobs, putBlob } from "../../src/deploy/blobs.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

let store: Store;
beforeAll(async () => {
  store = await openDatabase(join(tempDir(), "data.db"));
});
afterAll(() => {
  store.close();
  cleanupTemp();
});

const enc = new TextEncoder();

test("contents are stored once per sha256, verified against it", () => {
  const bytes = enc.encode("hello world");
  const sha = sha256Hex(bytes);
  expect(putBlob(store, sha, bytes, "text/plain; charset=utf-8")).toEqual({ stored: true });
  expect(putBlob(store, sha, bytes, "text/plain; charset=utf-8")).toEqual({ stored: false });
  expect(existingBlobs(store, [sha, "0".repeat(64)])).toEqual(new Set([sha]));
  expect(() => putBlob(store, "0".repeat(64), bytes, "text/plain")).toThrow(FaztError);
  expect(existingBlobs(store, ["0".repeat(64)]).size).toBe(0);
});

test("compressible files over 1 KiB get br and gzip variants that round-trip", () => {
  const bytes = enc.encode("body { color: red }\n".repeat(200));
  const sha = sha256Hex(bytes);
  putBlob(store, sha, bytes, "text/css; charset=utf-8");
  const row = store.sqlite.query("SELECT data, br, gzip FROM blobs WHERE sha256 = ?").get(sha) as Record<
    string,
    Uint8Array
  >;
  expect(new Uint8Array(brotliDecompressSync(row.br!))).toEqual(bytes);
  expect(new Uint8Array(gunzipSync(row.gzip!))).toEqual(bytes);
  expect(row.br!.byteLength).toBeLessThan(bytes.byteLength);
});

test("small or incompressible files get no variants", () => {
  const small = enc.encode("x".repeat(500));
  const png = crypto.getRandomValues(new Uint8Array(4096));
  putBlob(store, sha256Hex(small), small, "text/html; charset=utf-8");
  putBlob(store, sha256Hex(png), png, "image/png");
  for (const b of [small, png]) {
    const row = store.sqlite.query("SELECT br, gzip FROM blobs WHERE sha256 = ?").get(sha256Hex(b));
    expect(row).toEqual({ br: null, gzip: null });
  }
});

test("garbage collection removes unreferenced contents past the grace period only", () => {
  const bytes = enc.encode("orphan");
  const sha = sha256Hex(bytes);
  putBlob(store, sha, bytes, "text/plain");
  expect(collectGarbage(store)).toBe(0); // too recent: a deploy may still need it
  expect(collectGarbage(store, Date.now() + 2 * 60 * 60 * 1000)).toBeGreaterThan(0);
  expect(existingBlobs(store, [sha]).size).toBe(0);
});
