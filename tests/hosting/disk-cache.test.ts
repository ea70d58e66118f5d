import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../src/core/crypto.ts";
import { DiskCache, diskCacheDir, SENDFILE_MIN_BYTES } from "../../src/hosting/disk-cache.ts";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

/**
 * Large files are sent from a content-addressed disk cache beside the
 * database (src/hosting/disk-cache.ts) with sendfile, instead of being
 * copied from memory: written on first serve, atomically, owner-only,
 * bounded, and pruned of files no version uses.
 */

let s: TestServer;
const big = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
const bigSha = sha256Hex(big);
const other = new Uint8Array(SENDFILE_MIN_BYTES + 10).fill(42);

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "media", { "index.html": "small", "big.bin": big });
});
afterAll(async () => {
  await s?.stop();
  cleanupTemp();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  s.request(path, { host: "media.localhost", headers });

test("a large file is served whole from its cached copy on disk, owner-only, named by its hash", async () => {
  const dir = diskCacheDir(s.store.path);
  expect(existsSync(join(dir, bigSha))).toBe(false);
  const res = await get("/big.bin");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-length")).toBe(String(big.byteLength));
  expect(res.headers.get("etag")).toBe(`"${bigSha.slice(0, 32)}"`);
  // The headers a file from memory gets, and `inline` where Bun would name the file sent (by its hash).
  const names: string[] = [];
  res.headers.forEach((_, k) => {
    names.push(k);
  });
  expect(names.sort()).toEqual([
    "accept-ranges",
    "cache-control",
    "content-disposition",
    "content-length",
    "content-type",
    "date",
    "etag",
    "referrer-policy",
    "x-content-type-options",
    "x-request-id",
  ]);
  expect(res.headers.get("content-disposition")).toBe("inline");
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(big);
  const file = join(dir, bigSha);
  expect(readFileSync(file)).toEqual(Buffer.from(big));
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  // Nothing half-written is left behind under another name.
  expect(readdirSync(dir)).toEqual([bigSha]);
  // A small file never goes there.
  expect(await (await get("/")).text()).toBe("small");
  expect(readdirSync(dir)).toEqual([bigSha]);
});

test("the same file again and again, at once, each on its own connection", async () => {
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      s
        .request("/big.bin", {
          host: "media.localhost",
          headers: { connection: "close", ...(i % 3 === 0 ? { range: "bytes=10-20009" } : {}) },
        })
        .then(async (r) => ({ i, bytes: new Uint8Array(await r.arrayBuffer()) })),
    ),
  );
  for (const { i, bytes } of answers) expect(bytes).toEqual(i % 3 === 0 ? big.subarray(10, 20010) : big);
});

test("an app's own Content-Disposition is kept", async () => {
  await deployFiles(s, "media3", {
    "big.bin": big,
    _headers: "/big.bin\n  Content-Disposition: attachment\n",
  });
  const res = await s.request("/big.bin", { host: "media3.localhost" });
  expect(res.headers.get("content-disposition")).toBe("attachment");
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(big);
});

test("ranges and HEAD of a large file from disk", async () => {
  const part = await get("/big.bin", { range: "bytes=1000-1999" });
  expect(part.status).toBe(206);
  expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${big.byteLength}`);
  expect(part.headers.get("content-length")).toBe("1000");
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(big.subarray(1000, 2000));
  const tail = await get("/big.bin", { range: "bytes=-10" });
  expect(new Uint8Array(await tail.arrayBuffer())).toEqual(big.subarray(big.byteLength - 10));
  expect((await get("/big.bin", { range: `bytes=${big.byteLength}-` })).status).toBe(416);
  const head = await s.request("/big.bin", { host: "media.localhost", method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.headers.get("content-length")).toBe(String(big.byteLength));
  expect((await head.arrayBuffer()).byteLength).toBe(0);
  const etag = head.headers.get("etag")!;
  expect((await get("/big.bin", { "if-none-match": etag })).status).toBe(304);
});

test("a cached copy that is not whole is written again, never served", async () => {
  const dir = diskCacheDir(s.store.path);
  await deployFiles(s, "media2", { "other.bin": other });
  // Something else wrote a short file under the name (say, a disk that filled up).
  writeFileSync(join(dir, sha256Hex(other)), "short");
  const res = await s.request("/other.bin", { host: "media2.localhost" });
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(other);
  expect(statSync(join(dir, sha256Hex(other))).size).toBe(other.byteLength);
});

test("files no version uses are pruned; the ones in use stay", async () => {
  const dir = diskCacheDir(s.store.path);
  writeFileSync(join(dir, "f".repeat(64)), "left over");
  writeFileSync(join(dir, "tmp-unfinished"), "half");
  await dataOf(await apiJson(s, "DELETE", "/api/apps/media2"), 200);
  s.ctx.hosting.pruneDisk();
  expect(readdirSync(dir)).toEqual([bigSha]);
  expect(new Uint8Array(await (await get("/big.bin")).arrayBuffer())).toEqual(big);
});

test("past its bound the cache writes nothing more and the file is served from memory", () => {
  const dir = tempDir();
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const cache = new DiskCache(join(dir, "c"), shared, 320 * 1024);
  expect(cache.pathOf(bigSha, big.byteLength, () => big)).toBe(join(dir, "c", bigSha));
  expect(Atomics.load(shared, 0)).toBe(Math.ceil(big.byteLength / 1024));
  expect(cache.pathOf(sha256Hex(other), other.byteLength, () => other)).toBeNull();
  expect(readdirSync(join(dir, "c"))).toEqual([bigSha]);
});
