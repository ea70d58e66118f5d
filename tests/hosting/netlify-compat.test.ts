/**
 * Sites made for Netlify deploy unchanged. The cases are those of Netlify's
 * own `_redirects`/`_headers` parser tests (netlify/build,
 * packages/redirect-parser and packages/headers-parser: fixture texts and
 * expected results, rewritten into Fazt's shape), plus a site deployed and
 * served over real HTTP. What Fazt leaves out on purpose — conditions, query
 * matching, proxying, domain-level rules — must be refused at deploy with a
 * 400 that names the line and the feature.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FaztError } from "../../src/core/errors.ts";
import {
  compileHeaders,
  compileRedirects,
  findRedirect,
  headersFor,
  parseHeaders,
  parseRedirects,
} from "../../src/web/rules/index.ts";
import { deployFiles, deployZip } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { makeZip } from "../helpers/zip.ts";
import {
  type Case,
  HEADER_PATHS,
  HEADERS,
  LARGE_FILES,
  netlifyMatches,
  REDIRECTS,
  r,
  SAMPLE_PATHS,
} from "./netlify-fixtures.ts";

const passed = { redirects: 0, headers: 0, paths: 0 };

function check<T>(kind: "_redirects" | "_headers", c: Case<T>, parse: (text: string) => T[]): void {
  if (Array.isArray(c.expect)) {
    expect(parse(c.text)).toEqual(c.expect);
    return;
  }
  let error: unknown;
  try {
    parse(c.text);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FaztError);
  const e = error as FaztError;
  expect(e.status).toBe(400);
  expect(e.message).toStartWith(`${kind} line ${c.expect.line}: `);
  expect(e.message).toMatch(c.expect.why);
}

describe("Netlify's _redirects parser cases", () => {
  for (const c of REDIRECTS) {
    test(`${c.scope === "in" ? "" : "(refused) "}${c.name}`, () => {
      check("_redirects", c, parseRedirects);
      if (c.scope === "in") passed.redirects++;
    });
  }
});

describe("Netlify's _headers parser cases", () => {
  for (const c of HEADERS) {
    test(`${c.scope === "in" ? "" : "(refused) "}${c.name}`, () => {
      check("_headers", c, (text) => parseHeaders(text));
      if (c.scope === "in") passed.headers++;
    });
  }

  test("duplicate: both rules apply, the later value is the one sent", () => {
    const table = compileHeaders(parseHeaders("/path\n  test: one\n\n/path\n  test: three"));
    expect(Object.fromEntries(headersFor(table, "/path"))).toEqual({ test: "three" });
  });
});

describe("Netlify's header path patterns (case-insensitive, optional trailing slash, empty segments ignored)", () => {
  for (const c of HEADER_PATHS) {
    test(`${c.name}: ${JSON.stringify(c.path)}`, () => {
      const table = compileHeaders([{ path: c.path, headers: [["X-T", "1"]] }]);
      for (const path of SAMPLE_PATHS) {
        const want = c.differs?.includes(path) ? !netlifyMatches(c, path) : netlifyMatches(c, path);
        expect(`${path} ${headersFor(table, path).length > 0}`).toBe(`${path} ${want}`);
      }
      if (!c.differs) passed.paths++;
    });
  }
});

describe("large rule files", () => {
  test("Netlify's 10,000-rule _headers (indented path lines) is accepted and matched without scanning", () => {
    const text = LARGE_FILES.headers(10_000);
    const rules = parseHeaders(text);
    expect(rules).toHaveLength(10_000);
    const table = compileHeaders(rules);
    let tested = 0;
    const count = () => {
      tested++;
      return true;
    };
    for (const n of [0, 4_999, 9_999]) {
      expect(headersFor(table, `/base/some-${n}`)).toEqual([["test", `some-${n}`]]);
      expect(headersFor(table, `/BASE/some-${n}/`)).toEqual([["test", `some-${n}`]]);
      expect(table.index.all(["base", `some-${n}`], count)).toHaveLength(1);
    }
    expect(headersFor(table, "/base/some-10000")).toEqual([]);
    expect(tested).toBe(0); // literal paths are found by the index alone
  });

  test("Netlify's 45,000-rule _redirects is accepted; a lookup tests only the rules that could match", () => {
    const rules = parseRedirects(LARGE_FILES.redirects(45_000));
    expect(rules).toHaveLength(45_000);
    const table = compileRedirects([...rules, r("/base/*", "/fallback/:splat", 302)]);
    let tested = 0;
    const count = () => {
      tested++;
      return false;
    };
    expect(table.index.first(["base", "some-44999"], count)).toBe(-1);
    expect(tested).toBe(2); // the exact rule and the /base/* pattern, not 45,001
    expect(findRedirect(table, "/base/some-44999", false)?.target).toBe("/base/another-44999");
    expect(findRedirect(table, "/base/other/x", false)?.target).toBe("/fallback/other/x");
  });
});

test("past 100,000 rules a file is refused with a 413 naming the line", () => {
  for (const [file, parse, text] of [
    ["_redirects", parseRedirects, LARGE_FILES.redirects(100_001)],
    ["_headers", parseHeaders, LARGE_FILES.headers(100_001)],
  ] as const) {
    let error: unknown;
    try {
      parse(text);
    } catch (e) {
      error = e;
    }
    expect((error as FaztError).status).toBe(413);
    const line = file === "_redirects" ? 100_001 : 200_001;
    expect((error as FaztError).message).toBe(`${file} line ${line}: more than 100,000 rules`);
  }
});

let s: TestServer;
const SITE: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "about.html": "<h1>about</h1>",
  "admin/index.html": "<h1>admin</h1>",
  "app.js": "console.log(1)",
  "lib/deep/x.js": "console.log(2)",
  "style.css": "h1{}",
  "docs/a/print.html": "print a",
  "docs/a/b/print.html": "print ab",
  "docs/print.html": "print",
  "users/42.html": "user 42",
  "double.html": "double",
  "mixed/case.html": "case",
  "blog/hello.html": "<h1>hello post</h1>",
  _redirects: `# Netlify-style rules, deployed unchanged
/old-blog/*    /blog/:splat    301   # moved in 2023
/admin/*       200                   # a forward rule: the same path
/hi            /blog/hello     302 # a comment right after the status
//double//x    /about          302
`,
  _headers: `# headers for every page, unindented as Netlify allows
/*
X-Frame-Options: DENY
/
  Link: </style.css>; rel=preload; as=style
  Link: </app.js>; rel=preload; as=script
/*.js
  Cache-Control: public, max-age=60
/docs/*/print
  X-Print: yes
/users/:id
  X-User-Page: yes
//double//
  X-Double: yes
/Mixed/Case
  X-Case: yes
`,
};

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "nf", SITE);
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
  console.log(
    `Netlify cases in scope passing: _redirects ${passed.redirects}/${REDIRECTS.filter((c) => c.scope === "in").length}, ` +
      `_headers ${passed.headers}/${HEADERS.filter((c) => c.scope === "in").length}, ` +
      `header path patterns identical ${passed.paths}/${HEADER_PATHS.length}`,
  );
});

const site = (path: string) => s.request(path, { host: "nf.localhost" });

describe("a Netlify site over HTTP", () => {
  test("inline comments, forward rules and empty segments in _redirects", async () => {
    const moved = await site("/old-blog/hello?ref=x");
    expect([moved.status, moved.headers.get("location")]).toEqual([301, "/blog/hello?ref=x"]);
    const hi = await site("/hi");
    expect([hi.status, hi.headers.get("location")]).toEqual([302, "/blog/hello"]);
    const dbl = await site("/double/x");
    expect([dbl.status, dbl.headers.get("location")]).toEqual([302, "/about"]);
    expect(await (await site("/admin/")).text()).toBe("<h1>admin</h1>");
    expect((await site("/admin/missing")).status).toBe(404);
  });

  test("_headers: unindented lines, repeated names joined, * anywhere, placeholders, case", async () => {
    const home = await site("/");
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    expect(home.headers.get("link")).toBe(
      "</style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script",
    );
    for (const path of ["/app.js", "/lib/deep/x.js"]) {
      expect((await site(path)).headers.get("cache-control")).toBe("public, max-age=60");
    }
    expect((await site("/style.css")).headers.get("cache-control")).not.toBe("public, max-age=60");
    for (const path of ["/docs/print", "/docs/a/print", "/docs/a/b/print"]) {
      expect(`${path} ${(await site(path)).headers.get("x-print")}`).toBe(`${path} yes`);
    }
    expect((await site("/users/42")).headers.get("x-user-page")).toBe("yes");
    expect((await site("/double")).headers.get("x-double")).toBe("yes");
    expect((await site("/mixed/case")).headers.get("x-case")).toBe("yes");
    expect((await site("/about")).headers.get("x-case")).toBeNull();
  });

  const REFUSED: Array<[string, RegExp]> = [
    ["/  /china 302 Country=ch,tw", /Country conditions are not supported/],
    ["/en/*  /en/:splat 200 Language=en", /Language conditions are not supported/],
    ["/admin/*  200!  Role=admin", /Role conditions are not supported/],
    ["/beta  /beta-on 302 Cookie=beta", /Cookie conditions are not supported/],
    ["/store id=:id /blog/:id 301", /query-parameter matching is not supported/],
    [
      "/api/*  https://api.example.com/:splat 200",
      /proxying \(a 200 rule to another site\) is not supported/,
    ],
  ];
  for (const [line, why] of REFUSED) {
    test(`deploy refuses ${JSON.stringify(line)} with a 400 naming line 2 and the feature`, async () => {
      const zip = makeZip([
        { name: "index.html", data: "<h1>x</h1>" },
        { name: "_redirects", data: `/fine /about\n${line}\n` },
      ]);
      const res = await deployZip(s, "refused", zip);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.message).toStartWith("_redirects line 2: ");
      expect(error.message).toMatch(why);
      expect((await s.request("/", { host: "refused.localhost" })).status).toBe(404);
    });
  }
});
