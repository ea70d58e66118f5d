import { afterAll, describe, expect, test } from "bun:test";
import { sha256Hex } from "../../src/core/crypto.ts";
import { FaztError } from "../../src/core/errors.ts";
import { createStorage, MAX_BLOB_BYTES } from "../../src/storage/index.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { ENGINES, makeApp, useEngine } from "./support.ts";

afterAll(cleanupTemp);

describe.each(ENGINES)("s3 on $dialect", ({ target }) => {
  const db = useEngine(target);
  let n = 0;
  const fresh = () => createStorage(db.current, makeApp(db.current, `s3${n++}`)).s3;

  test("put bytes or text, get them back as a Uint8Array with mime, size and SHA-256", () => {
    const s3 = fresh();
    const bytes = new Uint8Array([0, 1, 2, 255]);
    s3.put("bin/data.bin", bytes);
    const got = s3.get("bin/data.bin")!;
    expect(got.data).toBeInstanceOf(Uint8Array);
    expect([...got.data]).toEqual([0, 1, 2, 255]);
    expect(got).toMatchObject({ mime: "application/octet-stream", size: 4, hash: sha256Hex(bytes) });
    s3.put("notes/ünï.txt", "héllo");
    expect(new TextDecoder().decode(s3.get("notes/ünï.txt")!.data)).toBe("héllo");
    expect(s3.get("notes/ünï.txt")).toMatchObject({ mime: "text/plain; charset=utf-8", size: 6 });
    s3.put("x.json", "{}", "text/plain");
    expect(s3.get("x.json")!.mime).toBe("text/plain");
    s3.put("buf", new Uint8Array([9]).buffer);
    expect([...s3.get("buf")!.data]).toEqual([9]);
    expect(s3.get("missing")).toBeNull();
  });

  test("put overwrites; delete reports whether something went", () => {
    const s3 = fresh();
    s3.put("a.txt", "one");
    s3.put("a.txt", "second", "text/markdown");
    expect(s3.get("a.txt")).toMatchObject({ size: 6, mime: "text/markdown" });
    expect(s3.delete("a.txt")).toBe(true);
    expect(s3.delete("a.txt")).toBe(false);
    expect(s3.get("a.txt")).toBeNull();
  });

  test("list: sorted, prefix taken literally, metadata only", () => {
    const s3 = fresh();
    for (const p of ["docs/b.txt", "docs/a.txt", "img/c.png", "docs%/x", "docs_/y", "d*cs/z"]) s3.put(p, "x");
    const list = s3.list("docs/");
    expect(list.map((e) => e.path)).toEqual(["docs/a.txt", "docs/b.txt"]);
    expect(list[0]).toEqual({
      path: "docs/a.txt",
      mime: "text/plain; charset=utf-8",
      size: 1,
      updatedAt: expect.any(Number),
    });
    expect(s3.list("docs%").map((e) => e.path)).toEqual(["docs%/x"]);
    expect(s3.list("docs_").map((e) => e.path)).toEqual(["docs_/y"]);
    expect(s3.list("d*").map((e) => e.path)).toEqual(["d*cs/z"]);
    expect(s3.list().length).toBe(6);
    expect(s3.list(null as unknown as string).length).toBe(6);
  });

  test("paths: no traversal, empty segments, backslashes, control characters or leading slash", () => {
    const s3 = fresh();
    s3.put("a/b/c.d", "ok");
    s3.put("p".repeat(1024), "ok");
    s3.put("..hidden/..x", "dots inside a name are fine");
    const bad = [
      "",
      "/abs",
      "../up",
      "a/../b",
      "a/./b",
      ".",
      "a//b",
      "a/",
      "a\\b",
      "a\u0000b",
      "a\nb",
      "a\u007fb",
      "p".repeat(1025),
      5,
      null,
      undefined,
    ];
    for (const p of bad) {
      for (const f of [
        () => s3.put(p as string, "x"),
        () => s3.get(p as string),
        () => s3.delete(p as string),
      ]) {
        let e: unknown;
        try {
          f();
        } catch (err) {
          e = err;
        }
        expect(e).toBeInstanceOf(FaztError);
        expect((e as FaztError).code).toBe("VALIDATION_FAILED");
      }
    }
  });

  test("data: bytes or text up to 10 MiB; mime checked", () => {
    const s3 = fresh();
    s3.put("max.bin", new Uint8Array(MAX_BLOB_BYTES));
    expect(s3.get("max.bin")!.size).toBe(MAX_BLOB_BYTES);
    expect(() => s3.put("big.bin", new Uint8Array(MAX_BLOB_BYTES + 1))).toThrow("larger than");
    expect(() => s3.put("big.txt", "é".repeat(MAX_BLOB_BYTES / 2 + 1))).toThrow("larger than");
    for (const bad of [5, null, { a: 1 }, [1, 2]]) {
      expect(() => s3.put("x", bad as unknown as string)).toThrow("must be a Uint8Array or a string");
    }
    for (const mime of ["text", "text/plain\r\nX-Evil: 1", "a/".padEnd(300, "b"), 5]) {
      expect(() => s3.put("x", "x", mime as string)).toThrow("mime type");
    }
    s3.put("m", "x", "application/vnd.api+json; charset=utf-8");
    expect(s3.get("m")!.mime).toBe("application/vnd.api+json; charset=utf-8");
  });
});
