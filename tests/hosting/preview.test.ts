/**
 * Preview addresses (SPEC §3, §13): `vN--NAME.D` serves kept version N of
 * app NAME — current or not, its files and its own code — to the signed-in
 * owner and admins only, never indexed, never kept by a shared cache; a
 * preview deploy uploads a version without activating it. Real server, Host
 * headers for the domain `example.test`.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Account, account } from "../helpers/accounts.ts";
import { apiJson, bearer, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

const D = "example.test";
let s: TestServer;
let owner: Account;
let admin: Account;
let member: Account;

/** GET on a host of D as `who` (a session cookie), or signed out. */
function visit(
  host: string,
  path = "/",
  who?: Account,
  headers: Record<string, string> = {},
): Promise<Response> {
  return s.request(path, {
    host: `${host}.${D}`,
    headers: { ...(who ? { cookie: who.cookie } : {}), ...headers },
  });
}

interface VersionItem {
  id: string;
  seq: number;
  number: number;
  previewUrl: string;
  current: boolean;
}
const versions = async (app: string) =>
  dataOf<VersionItem[]>(await apiJson(s, "GET", `/api/apps/${app}/versions`), 200);

beforeAll(async () => {
  s = await startTestServer({ config: { domain: D, keepVersions: 3 } });
  owner = account(s, "owner");
  admin = account(s, "admin");
  member = account(s, "user");
  await deployFiles(s, "blog", {
    "index.html": "<h1>one</h1>",
    "assets/app-4f3a9c1d.js": "console.log(1)",
    "private/notes.html": "private one",
    "api/main.js": 'respond("code one")',
  });
  await deployFiles(s, "blog", { "index.html": "<h1>two</h1>", "api/main.js": 'respond("code two")' });
});

afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("an admin sees any kept version", () => {
  test("vN--NAME serves version N, the app's own host the current one", async () => {
    for (const who of [owner, admin]) {
      const one = await visit("v1--blog", "/", who);
      expect(one.status).toBe(200);
      expect(await one.text()).toBe("<h1>one</h1>");
      expect(await (await visit("v2--blog", "/", who)).text()).toBe("<h1>two</h1>");
    }
    expect(await (await visit("blog")).text()).toBe("<h1>two</h1>");
  });

  test("the version's own code answers its /api; /private passes for the admin", async () => {
    expect(await (await visit("v1--blog", "/api/hello", owner)).text()).toBe("code one");
    expect(await (await visit("v2--blog", "/api/hello", owner)).text()).toBe("code two");
    expect(await (await visit("v1--blog", "/private/notes", owner)).text()).toBe("private one");
  });

  test("never indexed, never kept by a shared cache", async () => {
    const page = await visit("v1--blog", "/", owner);
    expect(page.headers.get("x-robots-tag")).toBe("noindex");
    expect(page.headers.get("cache-control")).toBe("private, no-cache");
    const asset = await visit("v1--blog", "/assets/app-4f3a9c1d.js", owner);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    expect(asset.headers.get("x-robots-tag")).toBe("noindex");
    // The live site keeps its public caching.
    expect((await visit("blog", "/assets/app-4f3a9c1d.js")).status).toBe(404);
    expect((await visit("blog")).headers.get("x-robots-tag")).toBeNull();
  });

  test("a version that is not kept, or an app that does not exist, is the 404 page", async () => {
    for (const host of ["v9--blog", "v1--nope"]) {
      const res = await visit(host, "/", owner);
      expect(res.status).toBe(404);
      expect(res.headers.get("x-robots-tag")).toBe("noindex");
    }
  });
});

describe("nobody else does", () => {
  test("signed out: a browser is sent to sign in on this host, anything else gets 401", async () => {
    const browser = await visit("v1--blog", "/post?x=1", undefined, { accept: "text/html,*/*" });
    expect(browser.status).toBe(302);
    expect(browser.headers.get("location")).toBe(`/auth/login?redirect=${encodeURIComponent("/post?x=1")}`);
    expect(browser.headers.get("x-robots-tag")).toBe("noindex");
    const api = await visit("v1--blog", "/");
    expect(api.status).toBe(401);
    expect(api.headers.get("x-robots-tag")).toBe("noindex");
    expect(await api.text()).not.toContain("one");
    // The sign-in page itself is answered there (every host has /auth/*).
    expect((await visit("v1--blog", "/auth/login")).status).toBe(200);
  });

  test("whether a version exists is not told to the signed-out", async () => {
    expect((await visit("v9--blog")).status).toBe(401);
    expect((await visit("v1--nope")).status).toBe(401);
  });

  test("a signed-in user (not an admin): 403", async () => {
    const res = await visit("v1--blog", "/", member);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("one");
    expect((await visit("v1--blog", "/api/hello", member)).status).toBe(403);
  });

  test("an API key does not admit (it would reach the version's code)", async () => {
    const res = await visit("v1--blog", "/api/hello", undefined, bearer(s.adminToken));
    expect(res.status).toBe(401);
  });

  test("look-alike hosts serve no version to anyone", async () => {
    for (const host of ["v01--blog", "v0--blog", "v1-blog", "a.v1--blog", "v1--blog.a"]) {
      for (const who of [undefined, owner]) {
        const res = await visit(host, "/", who);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain("one");
      }
    }
  });

  test("no app or alias can be named like a preview", async () => {
    const app = await apiJson(s, "POST", "/api/deploys", {
      name: "v1--blog",
      files: [{ path: "index.html", sha256: "0".repeat(64), size: 1 }],
    });
    expect(app.status).toBe(400);
    expect((await app.json()).error.message).toMatch(/preview/);
    const alias = await apiJson(s, "POST", "/api/aliases", {
      name: "v2--blog",
      type: "redirect",
      url: "https://x.test",
    });
    expect(alias.status).toBe(400);
  });
});

describe("versions and preview deploys", () => {
  test("GET /api/apps/NAME/versions: each item has its number and preview address", async () => {
    const list = await versions("blog");
    expect(list.map((v) => [v.number, v.seq, v.current])).toEqual([
      [2, 2, true],
      [1, 1, false],
    ]);
    expect(list[1]!.previewUrl).toBe(`http://v1--blog.${D}:4698`);
  });

  test("a preview deploy uploads without activating; its address serves it; rollback activates it", async () => {
    const r = await deployFiles(s, "blog", { "index.html": "<h1>three</h1>" }, { preview: true });
    expect(r.preview).toBe(true);
    expect(r.seq).toBe(3);
    expect(r.previewUrl).toBe(`http://v3--blog.${D}:4698`);
    expect(await (await visit("blog")).text()).toBe("<h1>two</h1>");
    expect(await (await visit("v3--blog", "/", owner)).text()).toBe("<h1>three</h1>");
    expect((await versions("blog")).find((v) => v.current)?.number).toBe(2);
    // `app rollback NAME` still means "the version before the current one", not the preview.
    const back = await dataOf<{ seq: number }>(await apiJson(s, "POST", "/api/apps/blog/rollback", {}), 200);
    expect(back.seq).toBe(1);
    const id = (await versions("blog")).find((v) => v.number === 3)!.id;
    await dataOf(await apiJson(s, "POST", "/api/apps/blog/rollback", { to: id }), 200);
    expect(await (await visit("blog")).text()).toBe("<h1>three</h1>");
  });

  test("an ordinary deploy answers preview: false", async () => {
    const r = await deployFiles(s, "blog", { "index.html": "<h1>four</h1>" });
    expect(r.preview).toBe(false);
    expect(await (await visit("blog")).text()).toBe("<h1>four</h1>");
  });

  test("a preview is kept like any version (newest keepVersions, and always the current one)", async () => {
    // keepVersions is 3 here; versions 1–4 exist and 4 is current.
    await deployFiles(s, "blog", { "index.html": "<h1>five</h1>" }, { preview: true });
    await deployFiles(s, "blog", { "index.html": "<h1>six</h1>" }, { preview: true });
    await deployFiles(s, "blog", { "index.html": "<h1>seven</h1>" }, { preview: true });
    const kept = await versions("blog");
    expect(kept.map((v) => [v.number, v.current])).toEqual([
      [7, false],
      [6, false],
      [5, false],
      [4, true],
    ]);
    expect(await (await visit("blog")).text()).toBe("<h1>four</h1>");
    expect((await visit("v1--blog", "/", owner)).status).toBe(404);
  });

  test("a first deploy as a preview makes the app, serving nothing until activated", async () => {
    const r = await deployFiles(s, "fresh", { "index.html": "fresh" }, { preview: true });
    expect(r.preview).toBe(true);
    expect((await visit("fresh")).status).toBe(404);
    expect(await (await visit("v1--fresh", "/", owner)).text()).toBe("fresh");
    const app = await dataOf<{ version: unknown }>(await apiJson(s, "GET", "/api/apps/fresh"), 200);
    expect(app.version).toBeNull();
  });

  test("preview must be a boolean", async () => {
    const res = await apiJson(s, "POST", "/api/deploys", {
      name: "blog",
      preview: "yes",
      files: [{ path: "index.html", sha256: "0".repeat(64), size: 1 }],
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/preview/);
  });
});
