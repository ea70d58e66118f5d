import { expect, test } from "bun:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { collectGarbage, existingBlobs, putBlob } from "../../src/apps/blobs.ts";
import { sha256Hex } from "../../src/core/crypto.ts";
import { FaztError } from "../../src/core/errors.ts";
import { useTempStore } from "../helpers/store.ts";

const db = useTempStore();

const enc = new TextEncoder();

test("contents are stored once per sha256, verified against it", async () => {
  const bytes = enc.encode("hello world");
  const sha = sha256Hex(bytes);
  expect(await putBlob(db.current, sha, bytes, "text/plain; charset=utf-8")).toEqual({ stored: true });
  expect(await putBlob(db.current, sha, bytes, "text/plain; charset=utf-8")).toEqual({ stored: false });
  expect(existingBlobs(db.current, [sha, "0".repeat(64)])).toEqual(new Set([sha]));
  await expect(putBlob(db.current, "0".repeat(64), bytes, "text/plain")).rejects.toThrow(FaztError);
  expect(existingBlobs(db.current, ["0".repeat(64)]).size).toBe(0);
});

test("compressible files over 1 KiB get br and gzip variants that round-trip", async () => {
  const bytes = enc.encode("body { color: red }\n".repeat(200));
  const sha = sha256Hex(bytes);
  await putBlob(db.current, sha, bytes, "text/css; charset=utf-8");
  const row = db.current.sqlite.query("SELECT data, br, gzip FROM blobs WHERE sha256 = ?").get(sha) as Record<
    string,
    Uint8Array
  >;
  expect(new Uint8Array(brotliDecompressSync(row.br!))).toEqual(bytes);
  expect(new Uint8Array(gunzipSync(row.gzip!))).toEqual(bytes);
  expect(row.br!.byteLength).toBeLessThan(bytes.byteLength);
});

test("small or incompressible files get no variants", async () => {
  const small = enc.encode("x".repeat(500));
  const png = crypto.getRandomValues(new Uint8Array(4096));
  await putBlob(db.current, sha256Hex(small), small, "text/html; charset=utf-8");
  await putBlob(db.current, sha256Hex(png), png, "image/png");
  for (const b of [small, png]) {
    const row = db.current.sqlite.query("SELECT br, gzip FROM blobs WHERE sha256 = ?").get(sha256Hex(b));
    expect(row).toEqual({ br: null, gzip: null });
  }
});

test("garbage collection removes unreferenced contents past the grace period only", async () => {
  const bytes = enc.encode("orphan");
  const sha = sha256Hex(bytes);
  await putBlob(db.current, sha, bytes, "text/plain");
  expect(collectGarbage(db.current)).toBe(0); // too recent: a deploy may still need it
  expect(collectGarbage(db.current, Date.now() + 2 * 60 * 60 * 1000)).toBeGreaterThan(0);
  expect(existingBlobs(db.current, [sha]).size).toBe(0);
});

test("compression runs off the serving thread: the event loop keeps turning", async () => {
  const text = Array.from({ length: 40_000 }, (_, i) => `<li class="c${i % 97}">${(i * 7919) % 10007}</li>`);
  const bytes = enc.encode(text.join("\n"));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  await putBlob(db.current, sha256Hex(bytes), bytes, "text/html; charset=utf-8");
  clearInterval(timer);
  // Compressing ~1 MiB takes tens of milliseconds; a blocked loop would not tick at all.
  expect(ticks).toBeGreaterThan(2);
});
