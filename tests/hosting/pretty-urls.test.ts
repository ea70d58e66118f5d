/**
 * Pretty URLs over real HTTP: `/` is index.html; otherwise the exact file;
 * else `/PATH` is PATH.html, or a 301 to `/PATH/` when only PATH/index.html
 * exists; `/PATH/` is PATH/index.html, or a 301 to `/PATH` when only
 * PATH.html exists; else a `_redirects` rule; redirects keep the query. A
 * folder's page lives at its trailing-slash URL, so the relative links of
 * Hugo/MkDocs/Astro output resolve inside the folder.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSession } from "../../src/auth/sessions.ts";
import { newId } from "../../src/core/ids.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

// What a static site generator writes: folders with index.html, relative links.
const DOCS_PAGE = `<h1>docs</h1><a href="guide">guide</a><a href="install/">install</a><link rel="stylesheet" href="style.css">`;
const INSTALL_PAGE = `<h1>install</h1><a href="../">up</a><img src="shot.png">`;

const SITE: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "about.html": "<h1>about</h1>",
  "docs/index.html": DOCS_PAGE,
  "docs/guide.html": "<h1>guide</h1>",
  "docs/style.css": "h1 { color: teal }",
  "docs/install/index.html": INSTALL_PAGE,
  "docs/install/shot.png": "png bytes",
  "both.html": "<h1>both as a file</h1>",
  "both/index.html": "<h1>both as a folder</h1>",
  "v1.2/index.html": "<h1>version 1.2</h1>",
  "café/index.html": "<h1>café</h1>",
  "file.txt": "plain text",
  "forced-folder/index.html": "<h1>shadowed by a forced rule</h1>",
  "private/index.html": "<h1>private folder page</h1>",
  "404.html": "<h1>own 404</h1>",
  _redirects: `
/docs            /elsewhere       302
/gone/           /about           302
/moved/*         /docs/:splat     301
/anchor          /docs/#install   302
/forced-folder   /about           302!
/rw/*            /docs/:splat     200
/rw-folder       /docs            200
/rw-page         /about/          200
`,
};

let s: TestServer;
let cookie: string;

const get = (host: string, path: string, headers: Record<string, string> = {}, method = "GET") =>
  s.request(path, { host: `${host}.localhost`, headers, method });
const site = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  get("pretty", path, headers, method);

async function expectPage(res: Response, body: string, path = "") {
  expect(`${path} → ${res.status}`).toBe(`${path} → 200`);
  expect(await res.text()).toBe(body);
}
async function expectMoved(res: Response, location: string, path = "", status = 301) {
  expect(`${path} → ${res.status} ${res.headers.get("location")}`).toBe(`${path} → ${status} ${location}`);
  expect(await res.text()).toBe("");
}

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "pretty", SITE);
  await deployFiles(
    s,
    "spa",
    {
      "index.html": "<h1>shell</h1>",
      "about.html": "<h1>spa about</h1>",
      "docs/index.html": "<h1>spa docs</h1>",
      "app.js": "console.log(1)",
    },
    { spa: true },
  );
  const id = newId("usr");
  s.store.sqlite
    .query(
      "INSERT INTO users (id, username, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(id, "reader", "reader@example.com", "Reader", "user", Date.now(), Date.now());
  cookie = `fazt_session=${createSession(s.store, id).token}`;
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("each branch of the lookup", () => {
  test("/ is index.html, an exact file is itself", async () => {
    await expectPage(await site("/"), "<h1>home</h1>");
    await expectPage(await site("/file.txt"), "plain text");
    await expectPage(await site("/docs/index.html"), DOCS_PAGE);
    await expectPage(await site("/about.html"), "<h1>about</h1>");
  });

  test("/PATH is PATH.html", async () => {
    await expectPage(await site("/about"), "<h1>about</h1>");
    await expectPage(await site("/docs/guide"), "<h1>guide</h1>");
  });

  test("/PATH is a 301 to /PATH/ when only PATH/index.html exists", async () => {
    await expectMoved(await site("/docs"), "/docs/");
    await expectMoved(await site("/docs/install"), "/docs/install/");
    await expectMoved(await site("/v1.2"), "/v1.2/");
    await expectMoved(await site("/private", { cookie }), "/private/");
  });

  test("/PATH/ is PATH/index.html", async () => {
    await expectPage(await site("/docs/"), DOCS_PAGE);
    await expectPage(await site("/docs/install/"), INSTALL_PAGE);
    await expectPage(await site("/v1.2/"), "<h1>version 1.2</h1>");
    await expectPage(await site("/private/", { cookie }), "<h1>private folder page</h1>");
  });

  test("/PATH/ is a 301 to /PATH when only PATH.html exists", async () => {
    await expectMoved(await site("/about/"), "/about");
    await expectMoved(await site("/docs/guide/"), "/docs/guide");
  });

  test("when both exist, each spelling has its own page", async () => {
    await expectPage(await site("/both"), "<h1>both as a file</h1>");
    await expectPage(await site("/both/"), "<h1>both as a folder</h1>");
  });

  test("redirects keep the query, as the client sent it", async () => {
    await expectMoved(await site("/docs?tab=2&q=a%20b"), "/docs/?tab=2&q=a%20b");
    await expectMoved(await site("/about/?x=1"), "/about?x=1");
    await expectMoved(await site("/caf%C3%A9?x"), "/caf%C3%A9/?x");
    await expectPage(await site("/caf%C3%A9/"), "<h1>café</h1>");
  });

  test("HEAD answers the same redirects; other methods stay 405", async () => {
    await expectMoved(await site("/docs", {}, "HEAD"), "/docs/");
    await expectMoved(await site("/about/", {}, "HEAD"), "/about");
    for (const path of ["/docs", "/docs/", "/about/"]) {
      const res = await site(path, {}, "POST");
      expect(`${path} → ${res.status}`).toBe(`${path} → 405`);
    }
  });
});

describe("relative links of generated sites work", () => {
  /** Follows redirects by hand (the Host header picks the app) and returns the final URL and page. */
  async function browse(path: string): Promise<{ url: URL; body: string }> {
    let url = new URL(path, "http://pretty.localhost");
    for (let hops = 0; hops < 5; hops++) {
      const res = await site(url.pathname + url.search);
      if (res.status !== 301) {
        expect(res.status).toBe(200);
        return { url, body: await res.text() };
      }
      url = new URL(res.headers.get("location")!, url);
    }
    throw new Error(`too many redirects from ${path}`);
  }

  test("every relative link of a folder's page, reached either way, resolves to a file", async () => {
    for (const start of ["/docs", "/docs/"]) {
      const { url, body } = await browse(start);
      expect(url.pathname).toBe("/docs/");
      const links = [...body.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
      expect(links).toEqual(["guide", "install/", "style.css"]);
      for (const link of links) {
        const target = await browse(new URL(link, url).pathname);
        expect(target.body).not.toBe("<h1>own 404</h1>");
      }
    }
    const install = await browse("/docs/install");
    expect(install.url.pathname).toBe("/docs/install/");
    expect((await browse(new URL("shot.png", install.url).pathname)).body).toBe("png bytes");
    expect((await browse(new URL("../", install.url).pathname)).body).toBe(DOCS_PAGE);
  });
});

describe("with _redirects", () => {
  test("an existing page wins over a rule that is not forced; a forced one wins over it", async () => {
    await expectMoved(await site("/docs"), "/docs/");
    await expectPage(await site("/docs/"), DOCS_PAGE);
    await expectMoved(await site("/forced-folder"), "/about", "", 302);
    await expectMoved(await site("/forced-folder/"), "/about", "", 302);
  });

  test("a rule answers both spellings of a path with no page, query kept", async () => {
    await expectMoved(await site("/gone"), "/about", "", 302);
    await expectMoved(await site("/gone/?q=1"), "/about?q=1", "", 302);
  });

  test("a splat keeps a folder's trailing slash; the query goes before a #fragment", async () => {
    await expectMoved(await site("/moved/install/?v=2"), "/docs/install/?v=2");
    await expectMoved(await site("/moved/guide"), "/docs/guide");
    // captured from the decoded path, sent out encoded: `?` stays part of the path
    await expectMoved(await site("/moved/caf%C3%A9/"), "/docs/caf%C3%A9/");
    await expectMoved(await site("/moved/a%3Fb?q=1"), "/docs/a%3Fb?q=1");
    await expectMoved(await site("/anchor?q=1"), "/docs/?q=1#install", "", 302);
  });

  test("a 200 rewrite to either spelling serves the page in place, never a redirect", async () => {
    await expectPage(await site("/rw-folder"), DOCS_PAGE);
    await expectPage(await site("/rw-page"), "<h1>about</h1>");
    await expectPage(await site("/rw/install/"), INSTALL_PAGE);
    await expectPage(await site("/rw/install"), INSTALL_PAGE);
    await expectPage(await site("/rw/guide"), "<h1>guide</h1>");
  });
});

describe("misses", () => {
  test("a path with no page and no rule is the app's 404, with either spelling", async () => {
    for (const path of ["/nope", "/nope/", "/docs/missing/", "/file.txt/", "/about.html/"]) {
      const res = await site(path);
      expect(`${path} → ${res.status}`).toBe(`${path} → 404`);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toBe("<h1>own 404</h1>");
    }
  });

  test("an SPA: its folder pages and files follow the same rules; other routes get the shell", async () => {
    const spa = (path: string) => get("spa", path);
    await expectMoved(await spa("/docs?x=1"), "/docs/?x=1");
    await expectPage(await spa("/docs/"), "<h1>spa docs</h1>");
    await expectMoved(await spa("/about/"), "/about");
    await expectPage(await spa("/about"), "<h1>spa about</h1>");
    for (const route of ["/app/route", "/app/route/", "/settings/"])
      await expectPage(await spa(route), "<h1>shell</h1>", route);
    const missing = await spa("/missing.js");
    expect(missing.status).toBe(404);
  });

  test("the private gate comes first: no redirect tells an anonymous client what exists", async () => {
    for (const path of ["/private", "/private/"]) {
      const res = await site(path, { accept: "application/json" });
      expect(`${path} → ${res.status}`).toBe(`${path} → 401`);
    }
  });
});
