import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { isPostgresUrl, openStoreAt } from "../../src/db/index.ts";
import { fazt } from "../helpers/cli.ts";
import { apiJson, bearer, dataOf, deployFiles, deployZip, manifestOf } from "../helpers/deploy.ts";
import { testDatabaseTarget } from "../helpers/engine.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { zipOf } from "../helpers/zip.ts";

/**
 * API keys carry their maker's authority and no more, over real HTTP: a key
 * stops when its maker is deleted or demoted, keys minted by keys keep the
 * original maker, deploy keys may be limited to apps and never read anything.
 */

setDefaultTimeout(60_000);

let s: TestServer;
let owner: Browser;

interface User {
  id: string;
  role: string;
}

interface KeyListing {
  id: string;
  name: string;
  scope: string;
  apps: string[] | null;
  lastUsedAt: number | null;
  maker: { id: string; role: string } | null;
  active: boolean;
}

/** A signed-in browser: JSON calls with its cookie and the admin origin. */
interface Browser {
  user: User;
  call(method: string, path: string, body?: unknown): Promise<Response>;
}

async function signIn(login: Record<string, string>): Promise<Browser> {
  const res = await s.request("/api/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(login),
  });
  const { user } = await dataOf<{ user: User }>(res.clone(), 200);
  const cookie = /fazt_session=[a-z2-7]+/.exec(res.headers.get("set-cookie") ?? "")![0];
  return {
    user,
    call(method, path, body) {
      const headers: Record<string, string> = { cookie, origin: "http://localhost" };
      if (body !== undefined) headers["content-type"] = "application/json";
      return s.request(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
  };
}

let seq = 0;
/** A new admin (invited by the owner), signed in. */
async function newAdmin(): Promise<Browser> {
  const { code } = await dataOf<{ code: string }>(
    await owner.call("POST", "/api/invites", { role: "admin" }),
    201,
  );
  const email = `admin${++seq}@example.com`;
  const res = await s.request(`/auth/invite/${code}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "a-good-password" }),
  });
  expect(res.status).toBe(201);
  return signIn({ email, password: "a-good-password" });
}

/** Mints a key through `POST /api/keys`, by a session or by a key; answers its token and id. */
async function mint(
  by: Browser | string,
  body: Record<string, unknown>,
): Promise<{ token: string; id: string }> {
  const res =
    typeof by === "string"
      ? await apiJson(s, "POST", "/api/keys", body, by)
      : await by.call("POST", "/api/keys", body);
  return dataOf<{ token: string; id: string }>(res, 201);
}

const listKeys = () => apiJson(s, "GET", "/api/keys").then((res) => dataOf<KeyListing[]>(res, 200));
const statusWith = (token: string, path = "/api/apps") =>
  apiJson(s, "GET", path, undefined, token).then((r) => r.status);

beforeAll(async () => {
  s = await startTestServer();
  owner = await signIn({ username: "admin", password: "correct-horse-battery" });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("keys and their makers", () => {
  test("a key stops working when its maker is demoted, again when promoted, and for good when deleted", async () => {
    const admin = await newAdmin();
    const adminKey = await mint(admin, { name: "laptop" });
    const deployKey = await mint(admin, { name: "ci", scope: "deploy" });
    expect(await statusWith(adminKey.token)).toBe(200);
    expect((await deployFiles(s, "made-by-admin", { "a.txt": "1" }, { token: deployKey.token })).app).toBe(
      "made-by-admin",
    );

    await dataOf(await owner.call("PATCH", `/api/users/${admin.user.id}`, { role: "user" }), 200);
    const demoted = await apiJson(s, "GET", "/api/apps", undefined, adminKey.token);
    expect(demoted.status).toBe(401);
    expect(((await demoted.json()) as { error: { message: string } }).error.message).toContain(
      "no longer holds the role",
    );
    expect(
      (
        await apiJson(
          s,
          "POST",
          "/api/deploys",
          { name: "made-by-admin", files: manifestOf({ "a.txt": "2" }) },
          deployKey.token,
        )
      ).status,
    ).toBe(401);
    const listed = (await listKeys()).find((k) => k.id === adminKey.id)!;
    expect(listed).toMatchObject({ active: false, maker: { id: admin.user.id, role: "user" } });

    await dataOf(await owner.call("PATCH", `/api/users/${admin.user.id}`, { role: "admin" }), 200);
    expect(await statusWith(adminKey.token)).toBe(200);

    await dataOf(await owner.call("DELETE", `/api/users/${admin.user.id}`), 200);
    const gone = await apiJson(s, "GET", "/api/apps", undefined, adminKey.token);
    expect(gone.status).toBe(401);
    expect(((await gone.json()) as { error: { message: string } }).error.message).toContain(
      "no longer exists",
    );
    expect(await statusWith(deployKey.token, "/api/deploys")).toBe(401);
    expect((await listKeys()).find((k) => k.id === deployKey.id)).toMatchObject({
      maker: null,
      active: false,
    });
    // A disabled key with its right secret is not a guess: it never locks the address's other keys.
    for (let i = 0; i < 6; i++) expect(await statusWith(adminKey.token)).toBe(401);
    expect(await statusWith(s.adminToken)).toBe(200);
  });

  test("a key minted by a key records the original maker and falls with it", async () => {
    const admin = await newAdmin();
    const first = await mint(admin, { name: "first" });
    const second = await mint(first.token, { name: "second" });
    const third = await mint(second.token, { name: "third", scope: "deploy" });
    const keys = await listKeys();
    for (const k of [first, second, third]) {
      expect(keys.find((l) => l.id === k.id)?.maker?.id).toBe(admin.user.id);
    }
    // The minted key acts as its maker (an admin), not as the owner: it cannot make admins.
    const invite = await apiJson(s, "POST", "/api/invites", { role: "admin" }, second.token);
    expect(invite.status).toBe(403);

    await dataOf(await owner.call("PATCH", `/api/users/${admin.user.id}`, { role: "user" }), 200);
    for (const k of [first, second]) expect(await statusWith(k.token)).toBe(401);
    expect(await statusWith(third.token, "/api/deploys")).toBe(401);
  });

  test("the key list shows maker, scope, apps and last use; never a secret", async () => {
    const made = await mint(owner, { name: "docs-ci", scope: "deploy", apps: ["docs", "blog"] });
    await deployFiles(s, "docs", { "index.html": "docs" }, { token: made.token });
    const res = await apiJson(s, "GET", "/api/keys");
    const text = await res.clone().text();
    expect(text).not.toContain(made.token.split("_").pop()!);
    expect(text).not.toContain("secret");
    const listed = (await dataOf<KeyListing[]>(res, 200)).find((k) => k.id === made.id)!;
    expect(listed).toMatchObject({
      name: "docs-ci",
      scope: "deploy",
      apps: ["blog", "docs"],
      active: true,
      maker: { id: owner.user.id, role: "owner" },
    });
    expect(listed.lastUsedAt).toBeGreaterThan(0);
  });
});

describe("deploy keys", () => {
  let limited: string;
  let other: string;
  beforeAll(async () => {
    limited = (await mint(owner, { name: "blog+docs", scope: "deploy", apps: ["blog", "docs"] })).token;
    other = (await mint(owner, { name: "any app", scope: "deploy" })).token;
  });

  test("apps are checked: only with scope deploy, valid names, a non-empty list", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: "x", scope: "admin", apps: ["blog"] }, /apps: only deploy keys/],
      [{ name: "x", apps: ["blog"] }, /apps: only deploy keys/],
      [{ name: "x", scope: "deploy", apps: [] }, /apps: must name at least one app/],
      [{ name: "x", scope: "deploy", apps: ["Bad Name!"] }, /apps\.0: must be 1-63/],
      [{ name: "x", scope: "deploy", apps: ["admin"] }, /apps\.0: is reserved/],
      [{ name: "x", scope: "deploy", apps: "blog" }, /apps: must be a list/],
    ];
    const before = (await listKeys()).length;
    for (const [body, message] of cases) {
      const res = await apiJson(s, "POST", "/api/keys", body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect((await listKeys()).length).toBe(before);
  });

  test("a key limited to apps deploys those apps only, by either protocol", async () => {
    expect((await deployFiles(s, "blog", { "index.html": "blog" }, { token: limited })).app).toBe("blog");
    expect((await deployZip(s, "Docs", zipOf({ "index.html": "docs" }), {}, limited)).status).toBe(201);

    const manifest = { name: "shop", files: manifestOf({ "index.html": "shop" }) };
    const refused = await apiJson(s, "POST", "/api/deploys", manifest, limited);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("blog, docs");
    expect((await deployZip(s, "shop", zipOf({ "index.html": "shop" }), {}, limited)).status).toBe(403);
    // A bad name is a validation error, as for any key.
    expect((await apiJson(s, "POST", "/api/deploys", { ...manifest, name: "-x-" }, limited)).status).toBe(
      400,
    );
    expect(s.store.engine.get("SELECT 1 FROM apps WHERE name = 'shop'")).toBeNull();
    expect(s.store.engine.get("SELECT 1 FROM deploys WHERE app_name = 'shop'")).toBeNull();
  });

  test("a deploy session for another app cannot be fed or finished with a limited key", async () => {
    const files = { "index.html": `<p>shop ${Date.now()}</p>` };
    const [entry] = manifestOf(files);
    const started = await dataOf<{ id: string; missing: string[] }>(
      await apiJson(s, "POST", "/api/deploys", { name: "shop", files: [entry] }, other),
      201,
    );
    const put = await s.request(`/api/deploys/${started.id}/blobs/${entry!.sha256}`, {
      method: "PUT",
      headers: { ...bearer(limited), "content-type": "application/octet-stream" },
      body: files["index.html"],
    });
    expect(put.status).toBe(403);
    const finish = await s.request(`/api/deploys/${started.id}/finish`, {
      method: "POST",
      headers: bearer(limited),
    });
    expect(finish.status).toBe(403);
    expect(s.store.engine.get("SELECT 1 FROM apps WHERE name = 'shop'")).toBeNull();
  });

  test("deploy keys, limited or not, are 403 on every route that is not a deploy", async () => {
    await deployFiles(s, "readme", { "index.html": "r" });
    const routes: Array<[string, string, unknown?]> = [
      ["GET", "/api/apps"],
      ["GET", "/api/apps/blog"],
      ["DELETE", "/api/apps/blog"],
      ["GET", "/api/apps/blog/versions"],
      ["POST", "/api/apps/blog/rollback", {}],
      ["GET", "/api/apps/blog/files"],
      ["GET", "/api/apps/blog/files/index.html"],
      ["GET", "/api/apps/blog/logs"],
      ["GET", "/api/apps/blog/env"],
      ["PUT", "/api/apps/blog/env", { vars: {} }],
      ["GET", "/api/aliases"],
      ["POST", "/api/aliases", { name: "x", type: "reserved" }],
      ["DELETE", "/api/aliases/blog"],
      ["GET", "/api/keys"],
      ["POST", "/api/keys", { name: "escalate" }],
      ["DELETE", "/api/keys/key_aaaaaaaaaaaaaaaa"],
      ["GET", "/api/users"],
      ["PATCH", `/api/users/${owner.user.id}`, { role: "user" }],
      ["GET", "/api/invites"],
      ["POST", "/api/invites", {}],
      ["GET", "/api/auth/providers"],
      ["PUT", "/api/auth/providers/github", { enabled: false }],
      ["GET", "/api/system/health"],
      ["GET", "/api/system/config"],
      ["PUT", "/api/system/config", { domain: "evil.test" }],
      ["GET", "/api/backups"],
      ["POST", "/api/backups", {}],
      ["POST", "/api/upgrade", {}],
    ];
    const wrong: string[] = [];
    for (const token of [limited, other]) {
      for (const [method, path, body] of routes) {
        const res = await apiJson(s, method, path, body, token);
        if (res.status !== 403) wrong.push(`${method} ${path} → ${res.status} ${await res.text()}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(s.store.engine.get("SELECT 1 FROM apps WHERE name = 'blog'")).not.toBeNull();
  });
});

describe("server create-key", () => {
  test("--app (repeatable) limits a deploy key; the key is the owner's; --app on an admin key is refused", async () => {
    const home = tempDir();
    // The CLI's own database on SQLite; on PostgreSQL a new database named by FAZT_DATABASE_URL.
    const target = await testDatabaseTarget(join(home, ".fazt"));
    const env: Record<string, string> = isPostgresUrl(target) ? { FAZT_DATABASE_URL: target } : {};
    expect((await fazt(["server", "init", "--password", "correct-horse-battery"], { home, env })).code).toBe(
      0,
    );
    const made = await fazt(
      [
        "server",
        "create-key",
        "--name",
        "ci",
        "--scope",
        "deploy",
        "--app",
        "blog",
        "--app=docs",
        "--format",
        "json",
      ],
      { home, env },
    );
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const { data } = JSON.parse(made.stdout) as { data: { id: string; apps: string[]; createdBy: string } };
    expect(data.apps).toEqual(["blog", "docs"]);
    const store = await openStoreAt(target);
    try {
      const row = store.engine.get<{ apps: string; created_by: string; role: string }>(
        "SELECT k.apps, k.created_by, u.role FROM api_keys k JOIN users u ON u.id = k.created_by WHERE k.id = ?",
        [data.id],
      );
      expect(row).toMatchObject({ apps: '["blog","docs"]', role: "owner" });
    } finally {
      store.close();
    }
    const refused = await fazt(["server", "create-key", "--name", "x", "--app", "blog"], { home, env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("only deploy keys can be limited to apps");
  });
});
