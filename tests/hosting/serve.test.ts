/**
 * SPEC §3 (hosts → apps) and §6 (serving an app), over real HTTP: sites are
 * deployed through the real API and read back as a browser or curl would.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { apiJson, type DeployResult, dataOf, deployFiles } from "../helpers/deploy.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

const enc = new TextEncoder();

// Compressible (JavaScript) and well over 1 KiB.
const BIG_JS = Array.from({ length: 200 }, (_, i) => `export const value${i} = "item-${i}-abcdef";\n`).join(
  "",
);
// Random bytes do not compress: no variant is worth keeping.
const NOISE = crypto.getRandomValues(new Uint8Array(4096));
// Compresses very well, but image/png is not a compressible type.
const ZEROS_PNG = new Uint8Array(4096);
// 100 known ASCII bytes for Range.
const RANGE_TXT = Array.from({ length: 100 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36]).join(
  "",
);

const REDIRECTS = `# Netlify syntax
/old                     /new-page
/temp                    /new-page          302
/t307                    /new-page          307
/t308                    /new-page          308
/blog/*                  /posts/:splat
/users/:id/posts/:post   /u/:id/p/:post     302
/app/*                   /docs/guide        200
/gone                    /tombstone         404
/style.css               /about             301
/forced.html             /new-page          302!
/ext/*                   https://example.org/landing/:splat 302
`;

const HEADERS = `/*
  X-Frame-Options: DENY
/docs/*
  X-Docs: yes
  Content-Security-Policy: default-src 'self'
`;

const SITE: Record<string, string | Uint8Array> = {
  "index.html": "<h1>site home</h1>",
  "about.html": "<h1>about page</h1>",
  "docs/index.html": "<h1>docs index</h1>",
  "docs/guide.html": "<h1>the guide</h1>",
  "new-page.html": "<h1>new page</h1>",
  "tombstone.html": "<h1>this page is gone</h1>",
  "forced.html": "<h1>forced file, never seen</h1>",
  "privately.html": "<h1>not private at all</h1>",
  "private/index.html": "<h1>private area</h1>",
  "private/secret.html": "<h1>private secret</h1>",
  "404.html": "<h1>site's own 404</h1>",
  "style.css": "body { color: red; }",
  "big.js": BIG_JS,
  "noise.txt": NOISE,
  "photo.png": ZEROS_PNG,
  "range.txt": RANGE_TXT,
  "data.json": '{"ok":true}',
  "assets/index-4f3a9c.js": "console.log('hashed');",
  "app.3b8f9e2a.css": "a { color: blue; }",
  "api/data.json": '{"secret":"never served"}',
  "api/helper.js": "export const secret = 1;",
  _redirects: REDIRECTS,
  _headers: HEADERS,
};

let s: TestServer;

/**
 * A GET (or other method) on an app host with the raw, undecoded body:
 * `Accept-Encoding: identity` unless the caller says otherwise.
 */
function get(
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
  server: TestServer = s,
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { host, "accept-encoding": "identity", ...headers },
    redirect: "manual",
    decompress: false,
  });
}
const site = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  get("site.localhost", path, headers, method);
const bytes = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "site", SITE, { message: "the test site" });
  await deployFiles(
    s,
    "spa",
    { "index.html": "<h1>spa shell</h1>", "assets/app.js": "console.log('spa');" },
    { spa: true },
  );
  await deployFiles(s, "plain", { "index.html": "<h1>plain home</h1>" });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

async function expectErrorEnvelope(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toBeString();
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

describe("paths to files (§6.2)", () => {
  test("/ is index.html", async () => {
    const res = await site("/");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<h1>site home</h1>");
  });

  test("an exact file, at any depth", async () => {
    expect(await (await site("/about.html")).text()).toBe("<h1>about page</h1>");
    expect(await (await site("/docs/guide.html")).text()).toBe("<h1>the guide</h1>");
    expect(await (await site("/docs/index.html")).text()).toBe("<h1>docs index</h1>");
    const json = await site("/data.json");
    expect(json.status).toBe(200);
    expect(await json.text()).toBe('{"ok":true}');
  });

  test("clean URLs: PATH.html; a folder's page at its trailing-slash URL", async () => {
    const about = await site("/about");
    expect(about.status).toBe(200);
    expect(about.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await about.text()).toBe("<h1>about page</h1>");
    const docs = await site("/docs/");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toBe("<h1>docs index</h1>");
    expect(await (await site("/docs/guide")).text()).toBe("<h1>the guide</h1>");
  });

  test("the other spelling is a 301 to the right one, query kept", async () => {
    const docs = await site("/docs");
    expect(docs.status).toBe(301);
    expect(docs.headers.get("location")).toBe("/docs/");
    expect(await docs.text()).toBe("");
    const q = await site("/about/?a=1&b=two");
    expect(q.status).toBe(301);
    expect(q.headers.get("location")).toBe("/about?a=1&b=two");
    const deep = await site("/docs/guide/");
    expect(deep.status).toBe(301);
    expect(deep.headers.get("location")).toBe("/docs/guide");
  });

  test("a query string does not change which file is served", async () => {
    const res = await site("/about?utm=x");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<h1>about page</h1>");
  });
});

describe("misses (§6.3)", () => {
  test("a non-SPA app answers its own 404.html with status 404", async () => {
    for (const path of ["/nope", "/deep/missing/page", "/missing.js"]) {
      const res = await site(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toBe("<h1>site's own 404</h1>");
    }
  });

  test("a non-SPA app without 404.html gets the 404 app's page with status 404", async () => {
    const res = await get("plain.localhost", "/dashboard");
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain("Not found");
    expect(text).not.toContain("plain home");
  });

  test("an SPA serves index.html with 200 for paths without an extension", async () => {
    for (const path of ["/dashboard", "/dashboard/settings/profile", "/users/42"]) {
      const res = await get("spa.localhost", path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toBe("<h1>spa shell</h1>");
    }
    expect(await (await get("spa.localhost", "/assets/app.js")).text()).toBe("console.log('spa');");
  });

  test("an SPA still answers 404 for a missing path with an extension", async () => {
    for (const path of ["/missing.js", "/assets/gone.css", "/favicon.ico"]) {
      const res = await get("spa.localhost", path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("spa shell");
    }
  });

  test("a redeploy without spa turns the fallback off", async () => {
    await deployFiles(s, "spa-off", { "index.html": "<h1>shell</h1>" }, { spa: true });
    expect((await get("spa-off.localhost", "/route")).status).toBe(200);
    await deployFiles(s, "spa-off", { "index.html": "<h1>shell</h1>" });
    expect((await get("spa-off.localhost", "/route")).status).toBe(404);
  });
});

describe("hosts (§3)", () => {
  test("unknown names, nested names and odd hosts get the 404 app's page with 404", async () => {
    for (const host of [
      "nope.localhost",
      "a.b.localhost",
      "a.site.localhost",
      "example.org",
      "x..localhost",
    ]) {
      const res = await get(host, "/");
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const text = await res.text();
      expect(text).toContain("Not found");
      expect(text).not.toContain("site home");
    }
  });

  test("host matching is case-insensitive, ignores the port and a trailing dot", async () => {
    for (const host of ["SITE.LOCALHOST", "site.localhost:4698", "site.localhost.", "Site.LocalHost.:8080"]) {
      const res = await get(host, "/about");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("<h1>about page</h1>");
    }
  });

  test("404.localhost serves the 404 app with 200", async () => {
    const res = await get("404.localhost", "/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Not found");
  });
});

describe("aliases (§4)", () => {
  test("an app alias is a second name for the same app", async () => {
    const created = await apiJson(s, "POST", "/api/aliases", { name: "mirror", type: "app", app: "site" });
    expect(created.status).toBe(201);
    expect(await get("mirror.localhost", "/about").then((r) => r.text())).toBe("<h1>about page</h1>");
    expect(await get("mirror.localhost", "/").then((r) => r.text())).toBe("<h1>site home</h1>");
    // Its rules too: they belong to the app, not to the name.
    const old = await get("mirror.localhost", "/old");
    expect(old.status).toBe(301);
    expect(old.headers.get("location")).toBe("/new-page");
  });

  test("a redirect alias answers 301 keeping path and query", async () => {
    const res = await apiJson(s, "POST", "/api/aliases", {
      name: "go",
      type: "redirect",
      url: "https://example.org/base",
    });
    expect(res.status).toBe(201);
    const r = await get("go.localhost", "/x?y=1");
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("https://example.org/base/x?y=1");
    const deep = await get("go.localhost", "/a/b/c.html?q=%20z&w");
    expect(deep.status).toBe(301);
    expect(deep.headers.get("location")).toBe("https://example.org/base/a/b/c.html?q=%20z&w");
  });

  test("a reserved alias serves the 404 app's page with 404", async () => {
    const res = await apiJson(s, "POST", "/api/aliases", { name: "held", type: "reserved" });
    expect(res.status).toBe(201);
    const r = await get("held.localhost", "/");
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("Not found");
  });

  test("re-pointing an alias applies at once", async () => {
    await apiJson(s, "POST", "/api/aliases", { name: "flip", type: "app", app: "plain" });
    expect(await get("flip.localhost", "/").then((r) => r.text())).toBe("<h1>plain home</h1>");
    const res = await apiJson(s, "POST", "/api/aliases", { name: "flip", type: "app", app: "site" });
    expect(res.status).toBe(200);
    expect(await get("flip.localhost", "/").then((r) => r.text())).toBe("<h1>site home</h1>");
  });
});

describe("the root app and the 404 app under a real domain (§3)", () => {
  let r: TestServer;
  beforeAll(async () => {
    r = await startTestServer({ config: { domain: "example.test" } });
  });
  afterAll(async () => {
    await r.stop();
  });
  const at = (host: string, path = "/") => get(host, path, {}, "GET", r);

  test("the apex and root.D serve the welcome page", async () => {
    for (const host of ["example.test", "root.example.test", "EXAMPLE.TEST.", "example.test:4698"]) {
      const res = await at(host);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Fazt is running");
    }
  });

  test("bare localhost is the admin, not the root app", async () => {
    const res = await at("localhost");
    // The admin's page, which sends a signed-out browser to sign in.
    expect([res.status, res.headers.get("location")]).toEqual([302, "/auth/login?redirect=/"]);
    expect(await res.text()).not.toContain("Fazt is running");
  });

  test("NAME.D and NAME.localhost reach the same app; unknown names the 404 page", async () => {
    await deployFiles(r, "blog", { "index.html": "<h1>blog</h1>" });
    expect(await at("blog.example.test").then((x) => x.text())).toBe("<h1>blog</h1>");
    expect(await at("blog.localhost").then((x) => x.text())).toBe("<h1>blog</h1>");
    for (const host of ["nope.example.test", "a.blog.example.test", "blog.example.org"]) {
      const res = await at(host);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("Not found");
    }
  });

  test("deploying root replaces the welcome page on the apex and root.D", async () => {
    const result: DeployResult = await deployFiles(r, "root", {
      "index.html": "<h1>my own front page</h1>",
      "about.html": "<h1>about me</h1>",
    });
    expect(result.url).toBe("http://example.test:4698");
    for (const host of ["example.test", "root.example.test"]) {
      const res = await at(host);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toBe("<h1>my own front page</h1>");
    }
    expect(await at("example.test", "/about").then((x) => x.text())).toBe("<h1>about me</h1>");
  });

  test("deploying 404 replaces the page every unknown host gets", async () => {
    await deployFiles(r, "404", { "index.html": "<h1>custom not found</h1>" });
    for (const host of ["nope.example.test", "a.b.example.test", "elsewhere.org"]) {
      const res = await at(host, "/anything");
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("<h1>custom not found</h1>");
    }
    await apiJson(r, "POST", "/api/aliases", { name: "parked", type: "reserved" });
    const parked = await at("parked.example.test");
    expect(parked.status).toBe(404);
    expect(await parked.text()).toBe("<h1>custom not found</h1>");
    // and the plain app without a 404.html falls back to it too
    const miss = await at("blog.example.test", "/missing");
    expect(miss.status).toBe(404);
    expect(await miss.text()).toBe("<h1>custom not found</h1>");
    const own = await at("404.example.test");
    expect(own.status).toBe(200);
    expect(await own.text()).toBe("<h1>custom not found</h1>");
  });
});

describe("_redirects (§6.1)", () => {
  test("a rule without a status is a 301", async () => {
    const res = await site("/old");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/new-page");
  });

  test("302, 307 and 308 as written", async () => {
    for (const [path, status] of [
      ["/temp", 302],
      ["/t307", 307],
      ["/t308", 308],
    ] as const) {
      const res = await site(path);
      expect(res.status).toBe(status);
      expect(res.headers.get("location")).toBe("/new-page");
    }
  });

  test("the query is kept on a redirect", async () => {
    const res = await site("/old?x=1&y=two");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/new-page?x=1&y=two");
  });

  test(":splat carries the rest of the path", async () => {
    const res = await site("/blog/2024/01/hello-world");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/posts/2024/01/hello-world");
    const ext = await site("/ext/a/b");
    expect(ext.status).toBe(302);
    expect(ext.headers.get("location")).toBe("https://example.org/landing/a/b");
  });

  test(":placeholders fill the target", async () => {
    const res = await site("/users/42/posts/seven");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/u/42/p/seven");
  });

  test("a 200 rule rewrites: the target's content at the requested URL", async () => {
    for (const path of ["/app/settings", "/app/a/b/c"]) {
      const res = await site(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toBe("<h1>the guide</h1>");
    }
  });

  test("a 404 rule serves its target with status 404", async () => {
    const res = await site("/gone");
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("<h1>this page is gone</h1>");
  });

  test("a rule does not shadow an existing file", async () => {
    const res = await site("/style.css");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("body { color: red; }");
  });

  test("a forced rule (!) does", async () => {
    const res = await site("/forced.html");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/new-page");
  });

  test("the rules file itself is never served", async () => {
    for (const path of ["/_redirects", "/_headers"]) {
      const res = await site(path);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain("/new-page");
      expect(text).not.toContain("X-Frame-Options");
    }
  });
});

describe("_headers (§6.1)", () => {
  test("headers apply to the paths their pattern matches", async () => {
    const guide = await site("/docs/guide");
    expect(guide.headers.get("x-frame-options")).toBe("DENY");
    expect(guide.headers.get("x-docs")).toBe("yes");
    expect(guide.headers.get("content-security-policy")).toBe("default-src 'self'");
    const about = await site("/about");
    expect(about.headers.get("x-frame-options")).toBe("DENY");
    expect(about.headers.get("x-docs")).toBeNull();
    expect(about.headers.get("content-security-policy")).toBeNull();
    const css = await site("/style.css");
    expect(css.headers.get("x-frame-options")).toBe("DENY");
  });

  test("an app without _headers gets none of them", async () => {
    const res = await get("plain.localhost", "/");
    expect(res.headers.get("x-frame-options")).toBeNull();
  });
});

describe("api/ (§6.4)", () => {
  test("files under api/ are never served", async () => {
    for (const path of ["/api/data.json", "/api/helper.js"]) {
      const res = await site(path);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain("never served");
      expect(text).not.toContain("secret");
    }
  });

  test("/api and /api/* answer a JSON 404 envelope when the app has no handler", async () => {
    for (const path of ["/api", "/api/x", "/api/users/1", "/api/data.json"]) {
      await expectErrorEnvelope(await site(path), 404, "NOT_FOUND");
    }
    await expectErrorEnvelope(await get("plain.localhost", "/api/things"), 404, "NOT_FOUND");
  });
});

describe("/private (§6.5)", () => {
  const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

  test("needs a signed-in user: 401 JSON for API clients", async () => {
    for (const path of ["/private", "/private/secret", "/private/index.html", "/private/missing"]) {
      for (const accept of ["application/json", "*/*"]) {
        const res = await site(path, { accept });
        const msg = await expectErrorEnvelope(res, 401, "UNAUTHORIZED");
        expect(msg).not.toContain("private secret");
      }
    }
  });

  test("a browser is sent to sign in, with the way back", async () => {
    const res = await site("/private/secret?tab=2", { accept: browser });
    expect(res.status).toBe(302);
    const location = res.headers.get("location")!;
    expect(location).toStartWith("/auth/login?redirect=");
    const back = new URL(location, "http://site.localhost").searchParams.get("redirect");
    expect(back).toBe("/private/secret?tab=2");
    expect(await res.text()).not.toContain("private secret");
    const top = await site("/private", { accept: browser });
    expect(top.status).toBe(302);
    expect(new URL(top.headers.get("location")!, "http://x").searchParams.get("redirect")).toBe("/private");
  });

  test("only /private itself and below: /privately is public", async () => {
    const res = await site("/privately");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("<h1>not private at all</h1>");
  });
});

describe("response headers (§6)", () => {
  test("Content-Type from the extension, with charset for text", async () => {
    const cases: Array<[string, string]> = [
      ["/", "text/html; charset=utf-8"],
      ["/about.html", "text/html; charset=utf-8"],
      ["/style.css", "text/css; charset=utf-8"],
      ["/big.js", "text/javascript; charset=utf-8"],
      ["/data.json", "application/json; charset=utf-8"],
      ["/range.txt", "text/plain; charset=utf-8"],
      ["/photo.png", "image/png"],
    ];
    for (const [path, type] of cases) {
      const res = await site(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
    }
  });

  test("a strong ETag from the content, and If-None-Match → 304", async () => {
    const first = await site("/style.css");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/); // strong: no W/
    const again = await site("/style.css", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const listed = await site("/style.css", { "if-none-match": `"nope", ${etag}` });
    expect(listed.status).toBe(304);
    const other = await site("/style.css", { "if-none-match": '"something-else"' });
    expect(other.status).toBe(200);
    expect(await other.text()).toBe("body { color: red; }");
  });

  test("the ETag follows the content: same bytes, same tag; other bytes, another", async () => {
    const css = (await site("/style.css")).headers.get("etag");
    const about = (await site("/about")).headers.get("etag");
    expect(css).not.toBe(about);
    await deployFiles(s, "twin", { "same.css": "body { color: red; }" });
    expect((await get("twin.localhost", "/same.css")).headers.get("etag")).toBe(css);
  });

  test("the br variant has its own tag, and If-None-Match with it → 304", async () => {
    const plain = await site("/big.js");
    const br = await site("/big.js", { "accept-encoding": "br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    const tag = br.headers.get("etag")!;
    expect(tag).toMatch(/^"[^"]+"$/);
    expect(tag).not.toBe(plain.headers.get("etag"));
    const again = await site("/big.js", { "accept-encoding": "br", "if-none-match": tag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  test("Cache-Control: HTML no-cache, hashed names immutable, others five minutes", async () => {
    const cases: Array<[string, string]> = [
      ["/", "no-cache"],
      ["/about", "no-cache"],
      ["/docs/index.html", "no-cache"],
      ["/assets/index-4f3a9c.js", "public, max-age=31536000, immutable"],
      ["/app.3b8f9e2a.css", "public, max-age=31536000, immutable"],
      ["/style.css", "public, max-age=300"],
      ["/big.js", "public, max-age=300"],
      ["/photo.png", "public, max-age=300"],
      ["/data.json", "public, max-age=300"],
    ];
    for (const [path, cc] of cases) {
      const res = await site(path);
      expect(res.status).toBe(200);
      expect(`${path}: ${res.headers.get("cache-control")}`).toBe(`${path}: ${cc}`);
    }
  });
});

describe("Range (§6)", () => {
  test("Accept-Ranges: bytes on a full answer", async () => {
    const res = await site("/range.txt");
    expect(res.status).toBe(200);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-length")).toBe("100");
  });

  test("bytes=0-9 → 206 with exactly those bytes", async () => {
    const res = await site("/range.txt", { range: "bytes=0-9" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 0-9/100");
    expect(res.headers.get("content-length")).toBe("10");
    expect(await res.text()).toBe(RANGE_TXT.slice(0, 10));
  });

  test("bytes=-5 → the last five", async () => {
    const res = await site("/range.txt", { range: "bytes=-5" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 95-99/100");
    expect(await res.text()).toBe(RANGE_TXT.slice(95));
  });

  test("bytes=10- → from 10 to the end", async () => {
    const res = await site("/range.txt", { range: "bytes=10-" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 10-99/100");
    expect(res.headers.get("content-length")).toBe("90");
    expect(await res.text()).toBe(RANGE_TXT.slice(10));
  });

  test("bytes=999999- → 416 with bytes */SIZE", async () => {
    const res = await site("/range.txt", { range: "bytes=999999-" });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */100");
    expect(await res.text()).toBe("");
  });

  test("several ranges are answered with the whole file (single ranges only)", async () => {
    const res = await site("/range.txt", { range: "bytes=0-1,5-6" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(RANGE_TXT);
  });

  test("a range of a compressible file is taken from the identity bytes", async () => {
    const res = await site("/big.js", { range: "bytes=0-99", "accept-encoding": "br, gzip" });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(res.headers.get("content-range")).toBe(`bytes 0-99/${BIG_JS.length}`);
    expect(await res.text()).toBe(BIG_JS.slice(0, 100));
  });
});

describe("compression (§6)", () => {
  test("br for a compressible file over 1 KiB, decompressing to the original", async () => {
    const res = await site("/big.js", { "accept-encoding": "br" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.headers.get("vary")).toMatch(/accept-encoding/i);
    const raw = await bytes(res);
    expect(raw.byteLength).toBeLessThan(BIG_JS.length);
    expect(res.headers.get("content-length")).toBe(String(raw.byteLength));
    expect(new TextDecoder().decode(brotliDecompressSync(raw))).toBe(BIG_JS);
  });

  test("gzip when br is not accepted", async () => {
    for (const accept of ["gzip", "br;q=0, gzip", "gzip, deflate"]) {
      const res = await site("/big.js", { "accept-encoding": accept });
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect(res.headers.get("vary")).toMatch(/accept-encoding/i);
      expect(new TextDecoder().decode(gunzipSync(await bytes(res)))).toBe(BIG_JS);
    }
  });

  test("br is preferred when both are accepted", async () => {
    const res = await site("/big.js", { "accept-encoding": "gzip, deflate, br" });
    expect(res.headers.get("content-encoding")).toBe("br");
  });

  test("identity when nothing usable is accepted, still with Vary", async () => {
    for (const accept of ["identity", "deflate", "br;q=0, gzip;q=0"]) {
      const res = await site("/big.js", { "accept-encoding": accept });
      expect(res.headers.get("content-encoding")).toBeNull();
      expect(res.headers.get("vary")).toMatch(/accept-encoding/i);
      expect(await res.text()).toBe(BIG_JS);
    }
  });

  test("no encoding for small or incompressible files", async () => {
    const cases: Array<[string, Uint8Array]> = [
      ["/style.css", enc.encode("body { color: red; }")],
      ["/noise.txt", NOISE],
      ["/photo.png", ZEROS_PNG],
    ];
    for (const [path, original] of cases) {
      const res = await site(path, { "accept-encoding": "br, gzip" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBeNull();
      expect(await bytes(res)).toEqual(original);
    }
  });
});

describe("methods (§6)", () => {
  test("HEAD has the headers and Content-Length but no body", async () => {
    const res = await site("/big.js", {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(BIG_JS.length));
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("etag")).toMatch(/^"[^"]+"$/);
    expect((await bytes(res)).byteLength).toBe(0);
    const br = await site("/big.js", { "accept-encoding": "br" }, "HEAD");
    expect(br.headers.get("content-encoding")).toBe("br");
    const brLength = Number(br.headers.get("content-length"));
    expect(brLength).toBeGreaterThan(0);
    expect(brLength).toBeLessThan(BIG_JS.length);
    expect((await bytes(br)).byteLength).toBe(0);
    const html = await site("/about", {}, "HEAD");
    expect(html.headers.get("content-length")).toBe(String("<h1>about page</h1>".length));
    expect(await html.text()).toBe("");
  });

  test("POST, PUT, DELETE and PATCH on a static path → 405 with Allow: GET, HEAD", async () => {
    for (const [method, path] of [
      ["POST", "/"],
      ["PUT", "/about"],
      ["DELETE", "/style.css"],
      ["PATCH", "/docs/guide"],
      ["POST", "/nope"],
    ] as const) {
      const res = await site(path, { "content-type": "text/plain" }, method);
      expect(res.headers.get("allow")).toBe("GET, HEAD");
      await expectErrorEnvelope(res, 405, "METHOD_NOT_ALLOWED");
    }
    // and nothing changed
    expect(await (await site("/about")).text()).toBe("<h1>about page</h1>");
  });
});

describe("hostile paths (§12)", () => {
  // What reaches the handler intact is refused with a clear 400.
  const hostile = [
    "/a//b",
    "//about",
    "/%5c",
    "/a%5cb",
    "/%00",
    "/about%00.html",
    "/%zz",
    "/a%",
    "/%2f%2fevil.example/",
    "/\\evil.example/",
  ];
  for (const target of hostile) {
    test(`${target} → 400`, async () => {
      const res = await rawRequest(s.port, target, { host: "site.localhost" });
      expect(`${target} → ${res.status}`).toBe(`${target} → 400`);
      expect(res.body).toContain('"error"');
      expect(res.body).not.toContain("<h1>");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      // never an open redirect to another host
      expect(res.headers.get("location") ?? "").not.toMatch(/^(\/\/|\\|https?:)/);
    });
  }

  // Bun.serve resolves dot segments (also %2e-encoded) and turns `\` into `/`
  // before the handler runs (RFC 3986 §5.2.4, as browsers do), and gives no
  // access to the raw target. What is left can only name a file of the site:
  // the resolved path is answered, and nothing above the site root exists.
  const resolved: Array<[string, number, string | null]> = [
    ["/../about", 200, "<h1>about page</h1>"],
    ["/%2e%2e/about", 200, "<h1>about page</h1>"],
    ["/a/../about", 200, "<h1>about page</h1>"],
    ["/a/%2e%2e/about", 200, "<h1>about page</h1>"],
    ["/a/./b/../../about", 200, "<h1>about page</h1>"],
    ["/a\\..\\about", 200, "<h1>about page</h1>"],
    ["/%2E%2E/%2e%2e/etc/passwd", 404, null],
    ["/../../../../etc/passwd", 404, null],
  ];
  for (const [target, status, body] of resolved) {
    test(`${target} is resolved inside the site → ${status}`, async () => {
      const res = await rawRequest(s.port, target, { host: "site.localhost" });
      expect(`${target} → ${res.status}`).toBe(`${target} → ${status}`);
      if (body !== null) expect(res.body).toBe(body);
      expect(res.body).not.toContain("root:");
    });
  }

  test("the raw socket helper does send good paths as they are", async () => {
    const res = await rawRequest(s.port, "/about", { host: "site.localhost" });
    expect(res.status).toBe(200);
    expect(res.body).toBe("<h1>about page</h1>");
  });
});

describe("every response (§6)", () => {
  test("carries nosniff, the referrer policy and a request id", async () => {
    const browser = { accept: "text/html" };
    const responses: Array<[string, Response]> = [
      ["200", await site("/")],
      ["200 br", await site("/big.js", { "accept-encoding": "br" })],
      ["301 slash", await site("/docs")],
      ["301 rule", await site("/old")],
      ["302 login", await site("/private", browser)],
      ["401", await site("/private")],
      ["304", await site("/style.css", { "if-none-match": (await site("/style.css")).headers.get("etag")! })],
      ["206", await site("/range.txt", { range: "bytes=0-1" })],
      ["416", await site("/range.txt", { range: "bytes=500-" })],
      ["404 own", await site("/nope")],
      ["404 api", await site("/api/x")],
      ["405", await site("/", {}, "POST")],
      ["HEAD", await site("/", {}, "HEAD")],
      ["404 unknown host", await get("nope.localhost", "/")],
      ["404 nested host", await get("a.b.localhost", "/")],
      ["404 reserved", await get("held.localhost", "/")],
      ["301 redirect alias", await get("go.localhost", "/x")],
      ["spa", await get("spa.localhost", "/route")],
    ];
    for (const [label, res] of responses) {
      expect(`${label}: ${res.headers.get("x-content-type-options")}`).toBe(`${label}: nosniff`);
      expect(`${label}: ${res.headers.get("referrer-policy")}`).toBe(
        `${label}: strict-origin-when-cross-origin`,
      );
      expect(`${label}: ${/^[A-Za-z0-9._-]{8,}$/.test(res.headers.get("x-request-id") ?? "")}`).toBe(
        `${label}: true`,
      );
      expect(res.headers.get("strict-transport-security")).toBeNull(); // plain HTTP
      await res.arrayBuffer();
    }
  });

  test("request ids differ between requests", async () => {
    const a = (await site("/")).headers.get("x-request-id");
    const b = (await site("/")).headers.get("x-request-id");
    expect(a).not.toBe(b);
  });
});

describe("activation (§4, §6)", () => {
  test("a redeploy is served at once, whole; a rollback too", async () => {
    const v1 = await deployFiles(s, "flipper", { "index.html": "<h1>one</h1>", "a.css": "a{}" });
    expect(await get("flipper.localhost", "/").then((r) => r.text())).toBe("<h1>one</h1>");
    await deployFiles(s, "flipper", { "index.html": "<h1>two</h1>" });
    expect(await get("flipper.localhost", "/").then((r) => r.text())).toBe("<h1>two</h1>");
    expect((await get("flipper.localhost", "/a.css")).status).toBe(404);
    const rolled = await dataOf<{ id: string }>(
      await apiJson(s, "POST", "/api/apps/flipper/rollback", { to: v1.version }),
      200,
    );
    expect(rolled.id).toBe(v1.version);
    expect(await get("flipper.localhost", "/").then((r) => r.text())).toBe("<h1>one</h1>");
    expect(await get("flipper.localhost", "/a.css").then((r) => r.text())).toBe("a{}");
  });
});
