import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** Apps, versions, rollback, aliases and keys through the admin API (SPEC §4, §9). */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ config: { keepVersions: 3 } });
});
afterAll(async () => {
  await s.stop();
});

const page = async (name: string, path = "/") => {
  const res = await s.request(path, { host: `${name}.localhost` });
  return { status: res.status, text: await res.text() };
};

interface Version {
  id: string;
  seq: number;
  message: string | null;
  files: number;
  bytes: number;
  current: boolean;
}

describe("versions and rollback", () => {
  test("each deploy is a new version; redeploying unchanged contents uploads nothing", async () => {
    const v1 = await deployFiles(s, "blog", { "index.html": "v1", "a.txt": "shared" }, { message: "first" });
    expect(v1).toMatchObject({
      app: "blog",
      seq: 1,
      files: 2,
      uploadedBytes: 8,
      url: "http://blog.localhost:4698",
    });
    const v2 = await deployFiles(s, "blog", { "index.html": "v2", "a.txt": "shared" });
    expect(v2.seq).toBe(2);
    expect(v2.uploadedBytes).toBe(2);
    const again = await deployFiles(s, "blog", { "index.html": "v2", "a.txt": "shared" });
    expect(again.uploadedBytes).toBe(0);
    expect((await page("blog")).text).toBe("v2");
  });

  test("rollback without a target goes to the version before the current one, instantly", async () => {
    const rolled = await dataOf<Version>(await apiJson(s, "POST", "/api/apps/blog/rollback"), 200);
    expect(rolled.seq).toBe(2);
    expect((await page("blog")).text).toBe("v2");
    const again = await dataOf<Version>(await apiJson(s, "POST", "/api/apps/blog/rollback", {}), 200);
    expect(again.seq).toBe(1);
    expect((await page("blog")).text).toBe("v1");
  });

  test("rollback --to any kept version, and a clear 404 for one that is not kept", async () => {
    const versions = await dataOf<Version[]>(await apiJson(s, "GET", "/api/apps/blog/versions"), 200);
    expect(versions.map((v) => v.seq)).toEqual([3, 2, 1]);
    expect(versions.find((v) => v.current)?.seq).toBe(1);
    expect(versions.find((v) => v.seq === 1)?.message).toBe("first");
    const to = versions.find((v) => v.seq === 3)!.id;
    expect(
      (await dataOf<Version>(await apiJson(s, "POST", "/api/apps/blog/rollback", { to }), 200)).seq,
    ).toBe(3);
    expect((await page("blog")).text).toBe("v2");
    const missing = await apiJson(s, "POST", "/api/apps/blog/rollback", { to: "ver_nope" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("ver_nope");
    const bad = await apiJson(s, "POST", "/api/apps/blog/rollback", { to: 5 });
    expect(bad.status).toBe(400);
  });

  test("only the last keepVersions are kept", async () => {
    await deployFiles(s, "blog", { "index.html": "v4" });
    await deployFiles(s, "blog", { "index.html": "v5" });
    const versions = await dataOf<Version[]>(await apiJson(s, "GET", "/api/apps/blog/versions"), 200);
    expect(versions.map((v) => v.seq)).toEqual([5, 4, 3]);
  });

  test("app info, files and one file's bytes", async () => {
    const info = await dataOf<{ name: string; keptVersions: number; version: Version; aliases: string[] }>(
      await apiJson(s, "GET", "/api/apps/blog"),
      200,
    );
    expect(info).toMatchObject({ name: "blog", keptVersions: 3, aliases: ["blog"] });
    expect(info.version.seq).toBe(5);
    await deployFiles(s, "docs", { "index.html": "docs", "guide/intro.md": "# Intro" });
    const files = await dataOf<Array<{ path: string; size: number; mime: string }>>(
      await apiJson(s, "GET", "/api/apps/docs/files"),
      200,
    );
    expect(files.map((f) => f.path)).toEqual(["guide/intro.md", "index.html"]);
    const one = await apiJson(s, "GET", "/api/apps/docs/files/guide/intro.md");
    expect(one.status).toBe(200);
    expect(await one.text()).toBe("# Intro");
    expect((await apiJson(s, "GET", "/api/apps/docs/files/nope.md")).status).toBe(404);
    expect((await apiJson(s, "GET", "/api/apps/nope")).status).toBe(404);
  });

  test("app list pages with meta", async () => {
    const res = await s.request("/api/apps?limit=2&offset=1", {
      headers: { authorization: `Bearer ${s.adminToken}` },
    });
    const body = (await res.json()) as { data: Array<{ name: string }>; meta: Record<string, number> };
    expect(body.meta).toEqual({ total: 4, limit: 2, offset: 1 });
    expect(body.data.map((a) => a.name)).toEqual(["blog", "docs"]);
    expect((await apiJson(s, "GET", "/api/apps?limit=0")).status).toBe(400);
  });
});

describe("removing apps", () => {
  test("removes the app, its alias and the contents nothing else uses; it stops serving", async () => {
    await deployFiles(s, "gone", { "index.html": "to be removed" });
    expect((await page("gone")).status).toBe(200);
    const removed = await dataOf(await apiJson(s, "DELETE", "/api/apps/gone"), 200);
    expect(removed).toEqual({ name: "gone", removed: true });
    expect((await page("gone")).status).toBe(404);
    const aliases = s.store.engine.all("SELECT * FROM aliases WHERE name = 'gone'");
    expect(aliases).toEqual([]);
    expect((await apiJson(s, "DELETE", "/api/apps/gone")).status).toBe(404);
  });

  test("the seeded root and 404 apps cannot be removed", async () => {
    for (const name of ["root", "404"]) {
      const res = await apiJson(s, "DELETE", `/api/apps/${name}`);
      expect(res.status).toBe(409);
    }
  });
});

describe("aliases", () => {
  test("app alias: a second name for an app; replaced by a redirect; removed", async () => {
    const created = await apiJson(s, "POST", "/api/aliases", { name: "www2", type: "app", app: "blog" });
    expect(created.status).toBe(201);
    expect((await page("www2")).text).toBe("v5");
    const info = await dataOf<{ aliases: string[] }>(await apiJson(s, "GET", "/api/apps/blog"), 200);
    expect(info.aliases).toEqual(["blog", "www2"]);

    const replaced = await apiJson(s, "POST", "/api/aliases", {
      name: "www2",
      type: "redirect",
      url: "https://example.org",
    });
    expect(replaced.status).toBe(200);
    const r = await s.request("/a/b?c=1", { host: "www2.localhost" });
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe("https://example.org/a/b?c=1");

    expect((await apiJson(s, "POST", "/api/aliases", { name: "hold", type: "reserved" })).status).toBe(201);
    expect((await page("hold")).status).toBe(404);
    const list = await dataOf<Array<{ name: string; type: string }>>(
      await apiJson(s, "GET", "/api/aliases"),
      200,
    );
    expect(list.find((a) => a.name === "hold")?.type).toBe("reserved");

    expect((await apiJson(s, "DELETE", "/api/aliases/www2")).status).toBe(200);
    expect((await page("www2")).status).toBe(404);
    expect((await apiJson(s, "DELETE", "/api/aliases/www2")).status).toBe(404);
  });

  test("a deploy cannot take a name held by a redirect or reserved alias", async () => {
    await expect(deployFiles(s, "hold", { "index.html": "x" })).rejects.toThrow(/409/);
  });

  test("bad aliases are refused with the field named; unknown apps are 404", async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ name: "Bad Name", type: "reserved" }, 400, /name/],
      [{ name: "admin", type: "reserved" }, 400, /reserved/],
      [{ name: "x", type: "redirect", url: "javascript:alert(1)" }, 400, /url/],
      [{ name: "x", type: "redirect" }, 400, /url/],
      [{ name: "x", type: "app", app: "nope" }, 404, /nope/],
      [{ name: "x", type: "teleport" }, 400, /type/],
    ];
    for (const [body, status, message] of cases) {
      const res = await apiJson(s, "POST", "/api/aliases", body);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
  });

  test("alias routes need an admin key", async () => {
    expect((await apiJson(s, "POST", "/api/aliases", { name: "x", type: "reserved" }, null)).status).toBe(
      401,
    );
    expect((await apiJson(s, "DELETE", "/api/aliases/hold", undefined, null)).status).toBe(401);
    expect((await apiJson(s, "GET", "/api/aliases", undefined, null)).status).toBe(401);
  });
});

describe("keys", () => {
  test("create (token shown once), list (never the token), use, delete", async () => {
    const created = await dataOf<{ id: string; token: string; scope: string }>(
      await apiJson(s, "POST", "/api/keys", { name: "ci", scope: "deploy" }),
      201,
    );
    expect(created.token).toMatch(/^fazt_key_/);
    expect(created.scope).toBe("deploy");
    const listed = await apiJson(s, "GET", "/api/keys");
    const text = await listed.text();
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.token.split("_").at(-1)!);
    // The deploy key deploys, and is refused elsewhere.
    await deployFiles(s, "ci-site", { "index.html": "ci" }, { token: created.token });
    expect((await apiJson(s, "GET", "/api/apps", undefined, created.token)).status).toBe(403);
    expect((await apiJson(s, "DELETE", `/api/keys/${created.id}`)).status).toBe(200);
    expect((await apiJson(s, "GET", "/api/apps", undefined, created.token)).status).toBe(401);
    expect((await apiJson(s, "POST", "/api/keys", { name: "" })).status).toBe(400);
  });
});
