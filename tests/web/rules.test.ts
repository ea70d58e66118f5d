import { describe, expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import {
  compileHeaders,
  compilePattern,
  compileRedirects,
  findRedirect,
  headersFor,
  matchPattern,
  parseHeaders,
  parseRedirects,
} from "../../src/web/rules/index.ts";

describe("path patterns", () => {
  const match = (pattern: string, path: string) => matchPattern(compilePattern(pattern)!, path);
  test("literals, placeholders and a trailing splat", () => {
    expect(match("/a/b", "/a/b")).toEqual({});
    expect(match("/a/b", "/a/b/")).toEqual({});
    expect(match("/a/b", "/a/c")).toBeNull();
    expect(match("/users/:id", "/users/42")).toEqual({ id: "42" });
    expect(match("/users/:id", "/users/42/x")).toBeNull();
    expect(match("/news/*", "/news/2024/01/post")).toEqual({ splat: "2024/01/post" });
    expect(match("/news/*", "/news")).toEqual({ splat: "" });
    expect(match("/*", "/anything/at/all")).toEqual({ splat: "anything/at/all" });
  });
  test("refuses malformed patterns", () => {
    for (const bad of ["news/*", "/a*/b", "/*/x", "/:1bad", ""]) expect(compilePattern(bad)).toBeNull();
  });
});

describe("_redirects", () => {
  test("parses rules with default 301, statuses and force", () => {
    const rules = parseRedirects(`
# comment
/old        /new
/blog/*     /posts/:splat   302
/app/*      /index.html     200
/gone       /               404!
/ext        https://example.org/x?y=1 308
`);
    expect(rules).toEqual([
      { from: "/old", to: "/new", status: 301, force: false },
      { from: "/blog/*", to: "/posts/:splat", status: 302, force: false },
      { from: "/app/*", to: "/index.html", status: 200, force: false },
      { from: "/gone", to: "/", status: 404, force: true },
      { from: "/ext", to: "https://example.org/x?y=1", status: 308, force: false },
    ]);
  });

  test("a bad line is a clear error naming the line", () => {
    const cases: Array<[string, number]> = [
      ["/ok /fine\n/only-one-field", 2],
      ["/a /b 303", 1],
      ["/a /b 301 Country=nz", 1],
      ["\n\nrelative /b", 3],
      ["/a javascript:alert(1)", 1],
      ["/a https://example.org 200", 1],
    ];
    for (const [text, line] of cases) {
      try {
        parseRedirects(text);
        throw new Error(`should fail: ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(FaztError);
        expect((e as FaztError).status).toBe(400);
        expect((e as FaztError).message).toStartWith(`_redirects line ${line}:`);
      }
    }
  });

  test("finds the first match and fills :splat and placeholders", () => {
    const rules = compileRedirects(parseRedirects("/blog/:year/* /archive/:year/:splat 301\n/x /y 302!"));
    expect(findRedirect(rules, "/blog/2024/a/b", false)?.target).toBe("/archive/2024/a/b");
    expect(findRedirect(rules, "/nothing", false)).toBeNull();
    expect(findRedirect(rules, "/blog/2024/a", true)).toBeNull(); // not forced
    expect(findRedirect(rules, "/x", true)?.rule.status).toBe(302);
  });
});

describe("_headers", () => {
  test("path lines then indented headers", () => {
    const rules = parseHeaders(`
/*
  X-Frame-Options: DENY
  Content-Security-Policy: default-src 'self'
/assets/*
  Cache-Control: public, max-age=60
`);
    expect(rules).toHaveLength(2);
    const compiled = compileHeaders(rules);
    expect(headersFor(compiled, "/assets/app.js")).toEqual([
      ["X-Frame-Options", "DENY"],
      ["Content-Security-Policy", "default-src 'self'"],
      ["Cache-Control", "public, max-age=60"],
    ]);
    expect(headersFor(compiled, "/index.html")).toHaveLength(2);
  });

  test("a bad line is a clear error naming the line", () => {
    const cases: Array<[string, number]> = [
      ["  X-A: b", 1],
      ["/a\n  no colon here", 2],
      ["/a\n  Bad Name: x", 2],
      ["/a\n  Set-Cookie: a=b", 2],
      ["/a\n  Content-Length: 5", 2],
      ["not-a-path\n  X: y", 1],
    ];
    for (const [text, line] of cases) {
      expect(() => parseHeaders(text)).toThrow(`_headers line ${line}:`);
    }
  });
});
