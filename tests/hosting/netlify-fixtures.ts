import type { HeaderRule, RedirectRule } from "../../src/web/rules/index.ts";

/**
 * The cases of Netlify's `_redirects` and `_headers` parser tests (netlify/build,
 * packages/redirect-parser/tests/line-parser.test.ts and
 * packages/headers-parser/tests/line-parser.test.ts): the fixture texts and
 * the expected results, rewritten into Fazt's shape.
 */
export const r = (from: string, to: string, status = 301, force = false): RedirectRule =>
  ({ from, to, status, force }) as RedirectRule;

/** A parse that must give these rules, or a refusal naming `line` (and the feature, by `why`). */
export type Expect<T> = T[] | { line: number; why: RegExp };
export interface Case<T> {
  name: string;
  text: string;
  expect: Expect<T>;
  /** out: a feature Fazt refuses on purpose (it must be refused by name). */
  scope: "in" | "out";
}

export const REDIRECTS: Array<Case<RedirectRule>> = [
  { name: "empty", scope: "in", text: "", expect: [] },
  { name: "simple", scope: "in", text: "/one /two", expect: [r("/one", "/two")] },
  {
    name: "simple_multiple",
    scope: "in",
    text: "/one /two\n/one /four",
    expect: [r("/one", "/two"), r("/one", "/four")],
  },
  {
    name: "empty_line",
    scope: "in",
    text: "/blog/my-post.php  /blog/my-post\n\n/blog/my-post-two.php  /blog/my-post-two",
    expect: [r("/blog/my-post.php", "/blog/my-post"), r("/blog/my-post-two.php", "/blog/my-post-two")],
  },
  {
    name: "multiple_lines",
    scope: "in",
    text: "/10thmagnitude   http://www.10thmagnitude.com/   301\n/bananastand     http://eepurl.com/Lgde5         301",
    expect: [
      r("/10thmagnitude", "http://www.10thmagnitude.com/"),
      r("/bananastand", "http://eepurl.com/Lgde5"),
    ],
  },
  { name: "line_trim", scope: "in", text: "  /home              /", expect: [r("/home", "/")] },
  {
    name: "comment_full",
    scope: "in",
    text: "# this is just an old leftover\n/blog/my-post.php  /blog/my-post",
    expect: [r("/blog/my-post.php", "/blog/my-post")],
  },
  {
    name: "comment_inline",
    scope: "in",
    text: "/blog/my-post.php  /blog/my-post # this is just an old leftover",
    expect: [r("/blog/my-post.php", "/blog/my-post")],
  },
  { name: "from_simple", scope: "in", text: "/home              /", expect: [r("/home", "/")] },
  {
    name: "to_anchor",
    scope: "in",
    text: "/blog/my-post-ads.php  /blog/my-post#ads # this is a valid anchor with a comment",
    expect: [r("/blog/my-post-ads.php", "/blog/my-post#ads")],
  },
  {
    name: "to_splat_no_force",
    scope: "in",
    text: "/*  https://www.bitballoon.com/:splat 301",
    expect: [r("/*", "https://www.bitballoon.com/:splat")],
  },
  {
    name: "to_splat_force",
    scope: "in",
    text: "/*  https://www.bitballoon.com/:splat 301!",
    expect: [r("/*", "https://www.bitballoon.com/:splat", 301, true)],
  },
  {
    name: "to_path_forward",
    scope: "in",
    text: "/admin/* 200\n/admin/* 200!",
    expect: [r("/admin/*", "/admin/:splat", 200), r("/admin/*", "/admin/:splat", 200, true)],
  },
  {
    name: "status",
    scope: "in",
    text: "/test https://www.bitballoon.com/test=hello 301",
    expect: [r("/test", "https://www.bitballoon.com/test=hello")],
  },
  {
    name: "status_force",
    scope: "in",
    text: "/test https://www.bitballoon.com/test=hello 301!",
    expect: [r("/test", "https://www.bitballoon.com/test=hello", 301, true)],
  },
  // Netlify's syntax errors: refused here too, naming the line.
  { name: "invalid_url", scope: "in", text: "http:// /to", expect: { line: 1, why: /domain-level/ } },
  {
    name: "invalid_dot_netlify_url",
    scope: "in",
    text: "http://example.com/.netlify/from /to",
    expect: { line: 1, why: /domain-level/ },
  },
  {
    name: "invalid_dot_netlify_path",
    scope: "in",
    text: "/.netlify/from /to",
    expect: { line: 1, why: /never served/ },
  },
  {
    name: "invalid_status",
    scope: "in",
    text: "/from /to not_a_status",
    expect: { line: 1, why: /not one of 200, 301/ },
  },
  {
    name: "invalid_no_to_no_status",
    scope: "in",
    text: "/m/scge/legal",
    expect: { line: 1, why: /expected `FROM TO/ },
  },
  {
    name: "invalid_no_to_status",
    scope: "in",
    text: "/swfobject.html?detectflash=false 301",
    expect: { line: 1, why: /query-parameter matching/ },
  },
  {
    name: "invalid_no_to_query",
    scope: "in",
    text: "/m/scge/legal source=:source",
    expect: { line: 1, why: /query-parameter matching/ },
  },
  {
    name: "invalid_no_slash",
    scope: "in",
    text: "/\tindex.html\n/blog\tblog.html",
    expect: { line: 1, why: /must be a path/ },
  },
  {
    name: "invalid_mistaken_headers",
    scope: "in",
    text: "# Protect backups with Basic Auth\n/backup/*\n    Basic-Auth: dev@example.com:secret",
    expect: { line: 2, why: /expected `FROM TO/ },
  },
  // Left out on purpose, refused by name.
  {
    name: "from_absolute_uri",
    scope: "out",
    text: "http://hello.bitballoon.com/* http://www.hello.com/:splat",
    expect: { line: 1, why: /domain-level rules/ },
  },
  {
    name: "query",
    scope: "out",
    text: "/      page=news      /news\n/blog  post=:post_id  /blog/:post_id",
    expect: { line: 1, why: /query-parameter matching is not supported/ },
  },
  {
    name: "proxy",
    scope: "out",
    text: "/api/*  https://api.bitballoon.com/*   200",
    expect: { line: 1, why: /proxying .* is not supported/ },
  },
  {
    name: "conditions_country",
    scope: "out",
    text: "/  /china 302 Country=ch,tw",
    expect: { line: 1, why: /Country conditions are not supported/ },
  },
  {
    name: "conditions_country_language",
    scope: "out",
    text: "/  /china 302 Country=il Language=en",
    expect: { line: 1, why: /Country conditions/ },
  },
  {
    name: "conditions_language_case",
    scope: "out",
    text: "/old-path /new-path 200 Language=en",
    expect: { line: 1, why: /Language conditions are not supported/ },
  },
  {
    name: "conditions_country_case",
    scope: "out",
    text: "/old-path /new-path 200 Country=US",
    expect: { line: 1, why: /Country conditions/ },
  },
  {
    name: "conditions_role",
    scope: "out",
    text: "/admin/*  /admin/:splat 200 Role=admin",
    expect: { line: 1, why: /Role conditions are not supported/ },
  },
  {
    name: "conditions_roles",
    scope: "out",
    text: "/member/*  /member/:splat 200 Role=admin,member",
    expect: { line: 1, why: /Role conditions/ },
  },
  {
    name: "conditions_role_case",
    scope: "out",
    text: "/old-path /new-path 200 Role=admin",
    expect: { line: 1, why: /Role conditions/ },
  },
  {
    name: "forward_with_role",
    scope: "out",
    text: "/admin/* 200! Role=admin",
    expect: { line: 1, why: /Role conditions/ },
  },
  {
    name: "conditions_cookie",
    scope: "out",
    text: "/ /beta 302 Cookie=ab_test",
    expect: { line: 1, why: /Cookie conditions are not supported/ },
  },
  {
    name: "conditions_query",
    scope: "out",
    text: "/donate source=:source email=:email /donate/usa?source=:source&email=:email 302 Country=us",
    expect: { line: 1, why: /query-parameter matching/ },
  },
  {
    name: "signed",
    scope: "out",
    text: "/api/*   https://api.example.com/:splat   200!  Sign=API_SECRET",
    expect: { line: 1, why: /signed proxy rules/ },
  },
  {
    name: "signed_backward_compat",
    scope: "out",
    text: "/api/*   https://api.example.com/:splat   200!  signed=API_SECRET",
    expect: { line: 1, why: /signed proxy rules/ },
  },
];

const h = (path: string, ...headers: Array<[string, string]>): HeaderRule => ({ path, headers });
export const HEADERS: Array<Case<HeaderRule>> = [
  { name: "empty", scope: "in", text: "", expect: [] },
  { name: "trim_line_path", scope: "in", text: "  /path", expect: [] },
  { name: "trim_line_values", scope: "in", text: "/path\ntest: one", expect: [h("/path", ["test", "one"])] },
  { name: "empty_line", scope: "in", text: "/path\n\n  test: one", expect: [h("/path", ["test", "one"])] },
  {
    name: "comment",
    scope: "in",
    text: "/path\n  # comment\n  test: one",
    expect: [h("/path", ["test", "one"])],
  },
  { name: "success", scope: "in", text: "/path\n  test: one", expect: [h("/path", ["test", "one"])] },
  { name: "trim_name", scope: "in", text: "/path\n  test : one", expect: [h("/path", ["test", "one"])] },
  { name: "trim_value", scope: "in", text: "/path\n  test:   one", expect: [h("/path", ["test", "one"])] },
  {
    name: "multiple_values",
    scope: "in",
    text: "/path\n  test: one\n  test: two",
    expect: [h("/path", ["test", "one, two"])],
  },
  {
    name: "duplicate",
    scope: "in",
    text: "/path\n  test: one\n\n/path\n  test: three",
    expect: [h("/path", ["test", "one"]), h("/path", ["test", "three"])],
  },
  {
    name: "invalid_value_name",
    scope: "in",
    text: "/path\n  : one",
    expect: { line: 2, why: /expected `Name: value`/ },
  },
  {
    name: "invalid_value_string",
    scope: "in",
    text: "/path\n  test:",
    expect: { line: 2, why: /has no value/ },
  },
  {
    name: "invalid_for_order",
    scope: "in",
    text: "  test: one\n/path",
    expect: { line: 1, why: /needs a path line/ },
  },
  // Netlify drops a line without a colon silently; Fazt refuses it, naming the line.
  {
    name: "no_colon",
    scope: "out",
    text: "/path\n  test = one",
    expect: { line: 2, why: /expected `Name: value`/ },
  },
];

/**
 * Fixture data from Netlify's header parser tests (netlify/build,
 * packages/headers-parser/tests/for-regexp.test.ts): each `for` path with the
 * regular expression Netlify expects for it, used here as the oracle. Only
 * the paths a `_headers` file can hold (starting with `/`) are in scope.
 */
export interface HeaderPathCase {
  name: string;
  path: string;
  netlify: RegExp;
  /** Sample paths where Fazt deliberately answers otherwise (see below). */
  differs?: string[];
}

// Netlify's `/a/*` compiles to `^/a/?(.*)/?$`, which also matches the
// sibling paths `/ab` and `/a.`: Fazt keeps a whole-segment `*` below `/a`.
const SIBLINGS = ["/ab", "/a.", "/ax"];

export const HEADER_PATHS: HeaderPathCase[] = [
  { name: "single_slash", path: "/", netlify: /^\/\/?$/iu },
  { name: "whitespaces", path: "/ /", netlify: /^\/\/?$/iu },
  { name: "trim_end", path: "/a ", netlify: /^\/a\/?$/iu },
  { name: "trim_start", path: "/ a", netlify: /^\/ a\/?$/iu },
  { name: "placeholder", path: "/a/:b", netlify: /^\/a\/([^/]+)\/?$/iu },
  { name: "wildcard_slash", path: "/*", netlify: /^\/?(.*)\/?$/iu },
  { name: "wildcard_append", path: "/*/a", netlify: /^\/?(.*)\/a\/?$/iu },
  { name: "wildcard_prepend", path: "/a/*", netlify: /^\/a\/?(.*)\/?$/iu, differs: SIBLINGS },
  { name: "wildcard_surround", path: "/a/*/b", netlify: /^\/a\/?(.*)\/b\/?$/iu },
  { name: "wildcard_multiple", path: "/a/*/*", netlify: /^\/a\/?(.*)\/?(.*)\/?$/iu, differs: SIBLINGS },
  { name: "wildcard_inside", path: "/a/b*c", netlify: /^\/a\/b(.*)c\/?$/iu },
  { name: "trailing_slash", path: "/a/", netlify: /^\/a\/?$/iu },
  { name: "regexp_escape", path: "/a.", netlify: /^\/a\.\/?$/iu },
  { name: "double_slash_single", path: "//", netlify: /^\/\/?$/iu },
  { name: "double_slash_multiple", path: "//a//b//", netlify: /^\/a\/b\/?$/iu },
];

/** Request paths (decoded, as the server sees them) each pattern is tried on. */
export const SAMPLE_PATHS = [
  "/",
  "/a",
  "/a/",
  "/A",
  "/ab",
  "/ax",
  "/a.",
  "/a/b",
  "/a/b/",
  "/A/B",
  "/a/x/b",
  "/a/x/y/b",
  "/a/xb",
  "/a/bc",
  "/a/bxc",
  "/a/bx/yc",
  "/a/b/c",
  "/x/a",
  "/x/y/a",
  "/xa",
  "/ a",
  "/b",
];

export const netlifyMatches = (c: HeaderPathCase, path: string): boolean => c.netlify.test(path);

/** `n` numbers in a fixed shuffled order (Netlify's large fixtures list their rules out of order). */
const shuffled = (n: number) => Array.from({ length: n }, (_, i) => (i * 7919) % n);

/**
 * Netlify's large fixtures, generated in their shape: `large_headers_file`
 * (indented path lines, `test: some-N`) and `large_45000_redirects_file`
 * (`/base/some-N /base/another-N`).
 */
export const LARGE_FILES = {
  headers: (n: number) =>
    shuffled(n)
      .map((i) => `      /base/some-${i}\n        test: some-${i}\n`)
      .join(""),
  redirects: (n: number) =>
    shuffled(n)
      .map((i) => `/base/some-${i} /base/another-${i}\n`)
      .join(""),
};
