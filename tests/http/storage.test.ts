/**
 * The Storage screen's read-only admin routes (SPEC §13): kv, ds (with the
 * ds query language) and s3 of one app, app-wide or per user. Data is written
 * with the storage module itself (what `fazt.app.*` uses), then read over
 * HTTP from the real server. Another app's rows must never come back.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createStorage } from "../../src/storage/index.ts";
import { type Account, account } from "../helpers/accounts.ts";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(30_000);

let s: TestServer;
let member: Account;
let shopId: string;

const get = (path: string, token: string | null = s.adminToken) => apiJson(s, "GET", path, undefined, token);
async function page<T>(
  path: string,
): Promise<{ data: T[]; meta: { total: number; limit: number; offset: number } }> {
  const res = await get(path);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
const appIdOf = (name: string) =>
  s.store.sqlite.query<{ id: string }, [string]>("SELECT id FROM apps WHERE name = ?").get(name)!.id;
const indexCount = () =>
  s.store.sqlite
    .query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index'")
    .get()!.n;

beforeAll(async () => {
  s = await startTestServer();
  member = account(s, "user", "member@example.test");
  await deployFiles(s, "shop", { "index.html": "shop" });
  await deployFiles(s, "other", { "index.html": "other" });
  shopId = appIdOf("shop");

  const shop = createStorage(s.store, shopId);
  shop.kv.set("apple", { price: 1 });
  shop.kv.set("a*b", "literal star");
  shop.kv.set("banana", 2);
  shop.kv.set("gone", 1, 1);
  for (let i = 1; i <= 5; i++) shop.ds.insert("orders", { n: i, status: i % 2 ? "open" : "paid" });
  shop.ds.insert("notes", { text: "hi" });
  shop.s3.put("img/logo.png", new Uint8Array([137, 80, 78, 71]), "image/png");
  shop.s3.put("page.html", "<script>alert(1)</script>", "text/html");
  const mine = createStorage(s.store, shopId, member.id);
  mine.kv.set("cart", ["apple"]);
  mine.ds.insert("orders", { n: 100 });
  mine.s3.put("avatar.txt", "me");
  // Data of a user who has since been removed: its scope is still listed.
  createStorage(s.store, shopId, "usr_ghost").kv.set("x", 1);

  // The same names in another app, and in that app's user scope.
  const other = createStorage(s.store, appIdOf("other"));
  other.kv.set("apple", "OTHER");
  other.kv.set("secret", "OTHER");
  other.ds.insert("orders", { n: 999, status: "open" });
  other.s3.put("secret.txt", "OTHER");
  createStorage(s.store, appIdOf("other"), member.id).kv.set("cart", "OTHER");
  await Bun.sleep(5); // let the ttl entry expire
});

afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("overview", () => {
  test("counts per kind, and the users with data of their own", async () => {
    const o = await dataOf<Record<string, unknown>>(await get("/api/apps/shop/storage"), 200);
    expect(o).toEqual({
      kv: { count: 3 },
      ds: [
        { collection: "notes", count: 1 },
        { collection: "orders", count: 5 },
      ],
      s3: { count: 2, bytes: 4 + 25 },
      users: [
        { id: "usr_ghost" },
        { id: member.id, email: "member@example.test", name: expect.any(String) },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    });
  });

  test("?user= counts that user's scope", async () => {
    const o = await dataOf<Record<string, unknown>>(
      await get(`/api/apps/shop/storage?user=${member.id}`),
      200,
    );
    expect(o).toMatchObject({
      kv: { count: 1 },
      ds: [{ collection: "orders", count: 1 }],
      s3: { count: 1, bytes: 2 },
    });
  });

  test("an empty ?user= is the app scope", async () => {
    const o = await dataOf<{ kv: { count: number } }>(await get("/api/apps/shop/storage?user="), 200);
    expect(o.kv.count).toBe(3);
  });

  test("an unknown app is 404", async () => {
    expect((await get("/api/apps/nope/storage")).status).toBe(404);
  });
});

describe("kv", () => {
  test("live entries by key, with their values; expired ones are not listed", async () => {
    const r = await page<{ key: string; value: unknown; expiresAt: number | null }>(
      "/api/apps/shop/storage/kv",
    );
    expect(r.data).toEqual([
      { key: "a*b", value: "literal star", expiresAt: null },
      { key: "apple", value: { price: 1 }, expiresAt: null },
      { key: "banana", value: 2, expiresAt: null },
    ]);
    expect(r.meta).toEqual({ total: 3, limit: 100, offset: 0 });
  });

  test("prefix is literal (a * is a star), and pages", async () => {
    expect(
      (await page<{ key: string }>("/api/apps/shop/storage/kv?prefix=a*")).data.map((e) => e.key),
    ).toEqual(["a*b"]);
    expect(
      (await page<{ key: string }>("/api/apps/shop/storage/kv?prefix=a")).data.map((e) => e.key),
    ).toEqual(["a*b", "apple"]);
    const p = await page<{ key: string }>("/api/apps/shop/storage/kv?limit=1&offset=1");
    expect(p.data.map((e) => e.key)).toEqual(["apple"]);
    expect(p.meta).toEqual({ total: 3, limit: 1, offset: 1 });
  });

  test("a user's scope holds only that user's entries", async () => {
    const r = await page<{ key: string; value: unknown; expiresAt: number | null }>(
      `/api/apps/shop/storage/kv?user=${member.id}`,
    );
    expect(r.data).toEqual([{ key: "cart", value: ["apple"], expiresAt: null }]);
  });

  test("bad paging is a 400", async () => {
    for (const q of ["limit=0", "limit=1001", "offset=-1", "limit=x"]) {
      expect((await get(`/api/apps/shop/storage/kv?${q}`)).status).toBe(400);
    }
  });
});

describe("ds", () => {
  const docs = (q = "") => page<Record<string, unknown>>(`/api/apps/shop/storage/ds/orders${q}`);

  test("documents newest first, with their ids and times", async () => {
    const r = await docs();
    expect(r.data.map((d) => d.n)).toEqual([5, 4, 3, 2, 1]);
    expect(r.data[0]).toMatchObject({
      id: expect.any(String),
      _createdAt: expect.any(Number),
      status: "open",
    });
    expect(r.meta.total).toBe(5);
  });

  test("the ds query language filters; total counts the matches", async () => {
    const q = encodeURIComponent(JSON.stringify({ status: "open", n: { $gt: 1 } }));
    const r = await docs(`?query=${q}`);
    expect(r.data.map((d) => d.n)).toEqual([5, 3]);
    expect(r.meta.total).toBe(2);
    const p = await docs(`?query=${encodeURIComponent('{"$or":[{"n":1},{"n":2}]}')}&limit=1`);
    expect(p.data.map((d) => d.n)).toEqual([2]);
    expect(p.meta).toEqual({ total: 2, limit: 1, offset: 0 });
  });

  test("browsing creates no index (looking does not change the database)", async () => {
    const before = indexCount();
    await docs(`?query=${encodeURIComponent('{"status":"paid"}')}`);
    expect(indexCount()).toBe(before);
  });

  test("a bad query is a 400 naming the problem", async () => {
    const cases: Array<[string, RegExp]> = [
      ["{not json", /not valid JSON/],
      ['{"n":{"$bogus":1}}', /\$bogus/],
      ['{"a\') OR 1=1 --":1}', /field/i],
      ["[1]", /object/],
    ];
    for (const [q, message] of cases) {
      const res = await get(`/api/apps/shop/storage/ds/orders?query=${encodeURIComponent(q)}`);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
    }
    const badName = await get("/api/apps/shop/storage/ds/no%20such");
    expect(badName.status).toBe(400);
  });

  test("a user's scope", async () => {
    const r = await docs(`?user=${member.id}`);
    expect(r.data.map((d) => d.n)).toEqual([100]);
  });
});

describe("s3", () => {
  test("objects by path, metadata only", async () => {
    const r = await page<Record<string, unknown>>("/api/apps/shop/storage/s3");
    expect(r.data).toEqual([
      { path: "img/logo.png", mime: "image/png", size: 4, updatedAt: expect.any(Number) },
      { path: "page.html", mime: "text/html", size: 25, updatedAt: expect.any(Number) },
    ]);
    expect((await page<{ path: string }>("/api/apps/shop/storage/s3?prefix=img/")).data).toHaveLength(1);
  });

  test("an object downloads as an attachment with its type, and could run nothing if rendered", async () => {
    const res = await get(`/api/apps/shop/storage/s3/object?path=${encodeURIComponent("img/logo.png")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="logo.png"; filename*=UTF-8''logo.png`,
    );
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71]));
    const html = await get("/api/apps/shop/storage/s3/object?path=page.html");
    expect(html.headers.get("content-disposition")).toStartWith("attachment");
    expect(html.headers.get("content-security-policy")).toContain("sandbox");
    expect(html.headers.get("x-content-type-options")).toBe("nosniff");
    const mine = await get(`/api/apps/shop/storage/s3/object?path=avatar.txt&user=${member.id}`);
    expect(await mine.text()).toBe("me");
  });

  test("a missing object is 404, a bad path 400", async () => {
    expect((await get("/api/apps/shop/storage/s3/object?path=nope")).status).toBe(404);
    expect((await get("/api/apps/shop/storage/s3/object")).status).toBe(400);
    for (const p of ["../other/secret.txt", "/secret.txt", "a//b", "a\\b"]) {
      expect((await get(`/api/apps/shop/storage/s3/object?path=${encodeURIComponent(p)}`)).status).toBe(400);
    }
  });
});

describe("another app's data is never reachable", () => {
  test("same keys, collections and paths answer this app's rows only", async () => {
    const all = [
      await get("/api/apps/shop/storage/kv?limit=1000"),
      await get(`/api/apps/shop/storage/kv?user=${member.id}`),
      await get("/api/apps/shop/storage/ds/orders?limit=1000"),
      await get(
        `/api/apps/shop/storage/ds/orders?query=${encodeURIComponent('{"$or":[{"n":999},{"n":{"$ne":0}}]}')}`,
      ),
      await get("/api/apps/shop/storage/s3"),
      await get("/api/apps/shop/storage"),
    ];
    for (const res of all) {
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain("OTHER");
      expect(text).not.toContain("999");
      expect(text).not.toContain("secret");
    }
    expect((await get("/api/apps/shop/storage/s3/object?path=secret.txt")).status).toBe(404);
  });
});

describe("who may look", () => {
  test("admins (sessions and keys); a user's session is 403, nobody 401", async () => {
    const admin = account(s, "admin");
    const bySession = await s.request("/api/apps/shop/storage/kv", { headers: { cookie: admin.cookie } });
    expect(bySession.status).toBe(200);
    expect((await get("/api/apps/shop/storage", admin.key)).status).toBe(200);
    const byUser = await s.request("/api/apps/shop/storage/kv", { headers: { cookie: member.cookie } });
    expect(byUser.status).toBe(403);
    for (const path of ["/api/apps/shop/storage", "/api/apps/shop/storage/s3/object?path=page.html"]) {
      expect((await get(path, null)).status).toBe(401);
    }
  });

  test("the routes only read: other methods are not answered", async () => {
    const res = await apiJson(s, "DELETE", "/api/apps/shop/storage/kv", undefined);
    expect(res.status).toBe(404);
    expect((await page<{ key: string }>("/api/apps/shop/storage/kv")).data.map((e) => e.key)).toHaveLength(3);
  });
});
