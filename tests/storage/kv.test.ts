import { afterAll, describe, expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import { createStorage, sweepExpiredKv } from "../../src/storage/index.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { ENGINES, makeApp, sleep, useEngine } from "./support.ts";

afterAll(cleanupTemp);

describe.each(ENGINES)("kv on $dialect", ({ target }) => {
  const db = useEngine(target);
  let n = 0;
  const fresh = () => createStorage(db.current, makeApp(db.current, `kv${n++}`)).kv;

  test("set, get, overwrite and delete any JSON value", () => {
    const kv = fresh();
    const values = [0, -1.5, "text", "", true, false, null, [1, "a", null], { a: { b: [1, 2] } }];
    for (const [i, v] of values.entries()) kv.set(`k${i}`, v);
    for (const [i, v] of values.entries()) expect(kv.get(`k${i}`)).toEqual(v);
    kv.set("k0", { replaced: true });
    expect(kv.get("k0")).toEqual({ replaced: true });
    expect(kv.get("missing")).toBeUndefined();
    expect(kv.delete("k0")).toBe(true);
    expect(kv.delete("k0")).toBe(false);
    expect(kv.get("k0")).toBeUndefined();
    expect(kv.delete("never")).toBe(false);
  });

  test("a TTL expires the entry: get gives undefined and deletes it, list hides it", async () => {
    const kv = fresh();
    kv.set("short", 1, 1);
    kv.set("long", 2, 60_000);
    kv.set("forever", 3);
    await sleep(5);
    expect(kv.list().map((e) => e.key)).toEqual(["forever", "long"]);
    expect(kv.get("short")).toBeUndefined();
    expect(db.current.get("SELECT count(*) AS n FROM app_kv WHERE key = 'short'")).toEqual({
      n: 0,
    });
    expect(kv.get("long")).toBe(2);
    const long = kv.list("long")[0]!;
    expect(long.expiresAt).toBeGreaterThan(Date.now() + 50_000);
    expect("expiresAt" in kv.list("forever")[0]!).toBe(false);
    // Setting again without a TTL makes it permanent; an expired key cannot be deleted twice.
    kv.set("long", 3);
    expect(kv.list("long")[0]).toEqual({ key: "long", value: 3 });
    kv.set("gone", 1, 1);
    await sleep(5);
    expect(kv.delete("gone")).toBe(false);
  });

  test("a fractional TTL rounds up; zero, negative, NaN, Infinity and strings are refused", () => {
    const kv = fresh();
    kv.set("f", 1, 0.2);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, "100" as unknown as number]) {
      expect(() => kv.set("x", 1, bad)).toThrow("ttl must be a positive number");
    }
    kv.set("nullttl", 1, null);
    expect(kv.list("nullttl")[0]).toEqual({ key: "nullttl", value: 1 });
  });

  test("sweepExpiredKv removes expired entries of every app", async () => {
    const a = fresh();
    const b = fresh();
    a.set("x", 1, 1);
    b.set("y", 1, 1);
    b.set("z", 1);
    await sleep(5);
    expect(sweepExpiredKv(db.current)).toBeGreaterThanOrEqual(2);
    expect(b.get("z")).toBe(1);
  });

  test("list: sorted by key, prefix taken literally (% _ * ? [ ] are plain characters)", () => {
    const kv = fresh();
    const keys = ["a%b", "axb", "a_c", "abc", "a*", "a?", "a[1]", "a]", "b", "A", "a"];
    for (const k of keys) kv.set(k, k);
    expect(kv.list().map((e) => e.key)).toEqual([...keys].sort());
    expect(kv.list("a%").map((e) => e.key)).toEqual(["a%b"]);
    expect(kv.list("a_").map((e) => e.key)).toEqual(["a_c"]);
    expect(kv.list("a*").map((e) => e.key)).toEqual(["a*"]);
    expect(kv.list("a?").map((e) => e.key)).toEqual(["a?"]);
    expect(kv.list("a[").map((e) => e.key)).toEqual(["a[1]"]);
    expect(kv.list("a]").map((e) => e.key)).toEqual(["a]"]);
    expect(kv.list("a").length).toBe(9);
    expect(kv.list("").length).toBe(keys.length);
    expect(kv.list("zzz")).toEqual([]);
    expect(kv.list("a%b")).toEqual([{ key: "a%b", value: "a%b" }]);
  });

  test("keys: 1 to 512 characters, strings only", () => {
    const kv = fresh();
    kv.set("k".repeat(512), 1);
    expect(kv.get("k".repeat(512))).toBe(1);
    kv.set("ключ 🔑", 2);
    expect(kv.get("ключ 🔑")).toBe(2);
    for (const bad of ["", "k".repeat(513), "k".repeat(1_000_000), 5, null, undefined, {}]) {
      expect(() => kv.set(bad as string, 1)).toThrow(FaztError);
      expect(() => kv.get(bad as string)).toThrow(FaztError);
      expect(() => kv.delete(bad as string)).toThrow(FaztError);
    }
    expect(() => kv.list(5 as unknown as string)).toThrow("prefix must be a string");
  });

  test("values that JSON cannot hold are refused with a clear error", () => {
    const kv = fresh();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const cases: [unknown, string][] = [
      [undefined, "undefined"],
      [() => 1, "function"],
      [{ f: () => 1 }, "function"],
      [Symbol("s"), "symbol"],
      [10n, "BigInt"],
      [{ n: 10n }, "BigInt"],
      [Number.NaN, "NaN"],
      [{ x: Number.POSITIVE_INFINITY }, "Infinity"],
      [cyclic, "cannot be stored as JSON"],
      [deep, "nested more than 64"],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        kv.set("v", value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FaztError);
      expect((error as FaztError).code).toBe("VALIDATION_FAILED");
      expect((error as FaztError).message).toContain(message);
    }
    expect(() => kv.set("big", "x".repeat(1024 * 1024 + 1))).toThrow("larger than");
    expect(kv.get("v")).toBeUndefined();
    // An undefined property inside an object is dropped, as JSON does; Dates become strings.
    kv.set("u", { a: 1, b: undefined, d: new Date(0) });
    expect(kv.get("u")).toEqual({ a: 1, d: "1970-01-01T00:00:00.000Z" });
  });
});
