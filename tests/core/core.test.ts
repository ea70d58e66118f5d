import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { FaztError, newId, parse, parseDuration, randomToken, sha256Hex } from "../../src/core/index.ts";

describe("FaztError", () => {
  test("carries code, status and the envelope", () => {
    const e = new FaztError("NOT_FOUND", "no app x", { details: { name: "x" } });
    expect(e.status).toBe(404);
    expect(e.toJSON()).toEqual({ error: { code: "NOT_FOUND", message: "no app x", details: { name: "x" } } });
  });
  test("status can be overridden", () => {
    expect(new FaztError("BAD_REQUEST", "x", { status: 422 }).status).toBe(422);
  });
});

describe("parse", () => {
  const schema = v.strictObject({ name: v.pipe(v.string(), v.minLength(1, "is required")) });
  test("returns the output on success", () => {
    expect(parse(schema, { name: "a" })).toEqual({ name: "a" });
  });
  test("names the failing field", () => {
    try {
      parse(schema, { name: "" }, "body");
      throw new Error("should fail");
    } catch (e) {
      expect(e).toBeInstanceOf(FaztError);
      expect((e as FaztError).code).toBe("VALIDATION_FAILED");
      expect((e as FaztError).message).toBe("body: name: is required");
    }
  });
  test("refuses unknown fields", () => {
    expect(() => parse(schema, { name: "a", extra: 1 })).toThrow(FaztError);
  });
});

describe("ids and tokens", () => {
  test("ids are prefixed and unique", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId("app")));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^app_[a-z2-7]{16}$/);
  });
  test("tokens use a cookie- and URL-safe alphabet", () => {
    expect(randomToken(32)).toMatch(/^[a-z2-7]+$/);
  });
  test("sha256Hex", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("parseDuration", () => {
  test("s, m, h, d", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("7d")).toBe(604_800_000);
  });
  test("anything else is a clear error", () => {
    for (const bad of ["", "7", "d", "1w", "-1d", "1.5h"])
      expect(() => parseDuration(bad)).toThrow(FaztError);
  });
});
