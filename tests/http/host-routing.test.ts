import { describe, expect, test } from "bun:test";
import { normalizeHost, routeHost } from "../../src/http/host-routing.ts";

describe("routeHost with the default domain localhost", () => {
  const cases: Array<[string | null, ReturnType<typeof routeHost>]> = [
    ["localhost", { kind: "admin" }],
    ["localhost:4698", { kind: "admin" }],
    ["LOCALHOST.", { kind: "admin" }],
    ["127.0.0.1:4698", { kind: "admin" }],
    ["[::1]:4698", { kind: "admin" }],
    ["admin.localhost", { kind: "admin" }],
    ["root.localhost", { kind: "app", name: "root" }],
    ["404.localhost:4698", { kind: "app", name: "404" }],
    ["Blog.LocalHost:4698", { kind: "app", name: "blog" }],
    ["blog.localhost.", { kind: "app", name: "blog" }],
    ["a.b.localhost", { kind: "unknown" }],
    ["-bad.localhost", { kind: "unknown" }],
    ["example.com", { kind: "unknown" }],
    ["", { kind: "unknown" }],
    [null, { kind: "unknown" }],
    ["localhost:notaport", { kind: "unknown" }],
    ["evil.com/..", { kind: "unknown" }],
    ["[::1", { kind: "unknown" }],
    ["blog.localhost\u0000", { kind: "unknown" }],
  ];
  for (const [host, expected] of cases) {
    test(`${JSON.stringify(host)} → ${JSON.stringify(expected)}`, () => {
      expect(routeHost(host, "localhost")).toEqual(expected);
    });
  }
});

describe("routeHost with a real domain", () => {
  const d = "example.com";
  test("the apex and root. serve the root app", () => {
    expect(routeHost("example.com", d)).toEqual({ kind: "app", name: "root" });
    expect(routeHost("root.example.com", d)).toEqual({ kind: "app", name: "root" });
    expect(routeHost("EXAMPLE.COM.:443", d)).toEqual({ kind: "app", name: "root" });
  });
  test("admin. is the admin host, as is bare localhost", () => {
    expect(routeHost("admin.example.com", d)).toEqual({ kind: "admin" });
    expect(routeHost("localhost:4698", d)).toEqual({ kind: "admin" });
  });
  test("one label of subdomain, under D or localhost", () => {
    expect(routeHost("blog.example.com", d)).toEqual({ kind: "app", name: "blog" });
    expect(routeHost("blog.localhost", d)).toEqual({ kind: "app", name: "blog" });
    expect(routeHost("a.blog.example.com", d)).toEqual({ kind: "unknown" });
  });
  test("other domains, and look-alikes, are unknown", () => {
    expect(routeHost("example.org", d)).toEqual({ kind: "unknown" });
    expect(routeHost("blogexample.com", d)).toEqual({ kind: "unknown" });
    expect(routeHost("example.com.evil.net", d)).toEqual({ kind: "unknown" });
  });
});

describe("preview hosts vN--NAME", () => {
  const d = "example.com";
  test("on D and on localhost: version N of app NAME", () => {
    expect(routeHost("v3--blog.example.com", d)).toEqual({ kind: "preview", app: "blog", seq: 3 });
    expect(routeHost("V12--My-App.Example.com.:8080", d)).toEqual({
      kind: "preview",
      app: "my-app",
      seq: 12,
    });
    expect(routeHost("v1--blog.localhost:4698", "localhost")).toEqual({
      kind: "preview",
      app: "blog",
      seq: 1,
    });
    expect(routeHost("v1--blog.localhost", d)).toEqual({ kind: "preview", app: "blog", seq: 1 });
    expect(routeHost("v1--a--b.example.com", d)).toEqual({ kind: "preview", app: "a--b", seq: 1 });
  });
  test("anything not exactly that is an ordinary name (no alias can look like one) or unknown", () => {
    expect(routeHost("v0--blog.example.com", d)).toEqual({ kind: "app", name: "v0--blog" });
    expect(routeHost("v01--blog.example.com", d)).toEqual({ kind: "app", name: "v01--blog" });
    expect(routeHost("v1-blog.example.com", d)).toEqual({ kind: "app", name: "v1-blog" });
    expect(routeHost("v1--.example.com", d)).toEqual({ kind: "unknown" });
    expect(routeHost("v1---blog.example.com", d)).toEqual({ kind: "app", name: "v1---blog" });
    expect(routeHost("a.v1--blog.example.com", d)).toEqual({ kind: "unknown" });
    expect(routeHost("v1234567890--blog.example.com", d)).toEqual({ kind: "app", name: "v1234567890--blog" });
  });
});

test("normalizeHost strips the port and one trailing dot, lower-cases", () => {
  expect(normalizeHost("Blog.Example.com.:8080")).toBe("blog.example.com");
  expect(normalizeHost("[::1]:80")).toBe("[::1]");
  expect(normalizeHost("a b")).toBeNull();
  expect(normalizeHost("host:99999999")).toBeNull();
});
