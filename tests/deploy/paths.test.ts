import { expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import { checkDeployPath } from "../../src/deploy/paths.ts";

test("ordinary paths pass", () => {
  for (const p of [
    "index.html",
    "assets/app-4f3a9c.js",
    "a/b/c/d.txt",
    ".well-known/x",
    "ünï.html",
    "a..b/c",
  ]) {
    expect(checkDeployPath(p)).toBe(p.normalize("NFC"));
  }
});

test("hostile paths are refused with a 400 naming the path", () => {
  for (const p of [
    "",
    "/etc/passwd",
    "../x",
    "a/../../x",
    "a/./b",
    "a//b",
    "a/",
    "a\\b",
    "..\\x",
    "C:/x",
    "a\u0000b",
    "a\nb",
    "x".repeat(2000),
  ]) {
    let err: unknown;
    try {
      checkDeployPath(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaztError);
    expect((err as FaztError).status).toBe(400);
    expect((err as FaztError).message).toStartWith("refused path");
  }
});
