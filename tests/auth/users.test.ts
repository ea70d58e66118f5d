import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { apiJson, dataOf } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(30_000);

let s: TestServer;
let owner: Session;
let ownerId: string;

interface User {
  id: string;
  username: string | null;
  email: string | null;
  role: string;
}

/** A signed-in browser: its cookie, sent with the matching Origin on writes. */
interface Session {
  cookie: string;
  user: User;
  /** A JSON request with this session's cookie (and `Origin` = the host it is sent to). */
  call(method: string, path: string, body?: unknown, host?: string): Promise<Response>;
}

const tokenOf = (res: Response) => /fazt_session=([a-z2-7]+);/.exec(res.headers.get("set-cookie") ?? "")?.[1];

function session(res: Response, user: User): Session {
  const cookie = `fazt_session=${tokenOf(res)}`;
  return {
    cookie,
    user,
    call(method, path, body, host = "localhost") {
      const headers: Record<string, string> = { cookie, origin: `http://${host}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      return s.request(path, {
        method,
        host,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
  };
}

async function signIn(login: Record<string, string>): Promise<Session> {
  const res = await s.request("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(login),
  });
  const { user } = await dataOf<{ user: User }>(res, 200);
  return session(res, user);
}

let seq = 0;
/** A new account through an invite (admin invites made by the owner's session), signed in. */
async function newUser(role: "user" | "admin" = "user"): Promise<Session> {
  const created =
    role === "admin"
      ? await owner.call("POST", "/api/invites", { role: "admin" })
      : await apiJson(s, "POST", "/api/invites", {});
  const { code } = await dataOf<{ code: string }>(created, 201);
  const res = await s.request(`/auth/invite/${code}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `person${++seq}@example.com`, password: "a-good-password" }),
  });
  const { user } = await dataOf<{ user: User }>(res, 201);
  expect(user.role).toBe(role);
  return session(res, user);
}

/** A new admin-scope key minted by `who`'s session: it acts with `who`'s role. */
async function keyOf(who: Session): Promise<string> {
  const res = await who.call("POST", "/api/keys", { name: `key of ${who.user.id}` });
  return (await dataOf<{ token: string }>(res, 201)).token;
}

const roleOf = (id: string) =>
  s.store.engine.get<{ role: string }>("SELECT role FROM users WHERE id = ?", [id])?.role;

beforeAll(async () => {
  s = await startTestServer();
  owner = await signIn({ username: "admin", password: "correct-horse-battery" });
  ownerId = owner.user.id;
  expect(owner.user.role).toBe("owner");
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("GET /api/users", () => {
  test("lists users with meta, pages, and never a password hash", async () => {
    await newUser();
    await newUser();
    const res = await apiJson(s, "GET", "/api/users?limit=2&offset=1");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain("argon2");
    expect(text).not.toMatch(/password/i);
    const body = JSON.parse(text) as { data: User[]; meta: { total: number; limit: number; offset: number } };
    const total = s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM users")!.n;
    expect(body.meta).toEqual({ total, limit: 2, offset: 1 });
    expect(body.data).toHaveLength(2);
    const all = await dataOf<User[]>(await owner.call("GET", "/api/users"), 200);
    expect(all[0]).toMatchObject({ id: ownerId, role: "owner", username: "admin" });
    expect((await apiJson(s, "GET", "/api/users?limit=0")).status).toBe(400);
  });
});

describe("roles", () => {
  test("the owner's session promotes a user to admin and demotes them again", async () => {
    const u = await newUser();
    expect((await u.call("GET", "/api/apps")).status).toBe(403);
    const promoted = await dataOf<User>(
      await owner.call("PATCH", `/api/users/${u.user.id}`, { role: "admin" }),
      200,
    );
    expect(promoted.role).toBe("admin");
    expect(roleOf(u.user.id)).toBe("admin");
    // The same session now reaches the admin API.
    expect((await u.call("GET", "/api/apps")).status).toBe(200);
    await dataOf(await owner.call("PATCH", `/api/users/${u.user.id}`, { role: "user" }), 200);
    expect((await u.call("GET", "/api/apps")).status).toBe(403);
  });

  test("an admin (session or key) cannot make an admin or an owner, nor unmake an admin", async () => {
    const admin = await newUser("admin");
    const other = await newUser("admin");
    const u = await newUser();
    const adminKey = await keyOf(admin);
    const attempts: Array<[string, Response]> = [
      ["admin session → admin", await admin.call("PATCH", `/api/users/${u.user.id}`, { role: "admin" })],
      ["admin session → owner", await admin.call("PATCH", `/api/users/${u.user.id}`, { role: "owner" })],
      [
        "admin session demotes admin",
        await admin.call("PATCH", `/api/users/${other.user.id}`, { role: "user" }),
      ],
      [
        "admin's key → admin",
        await apiJson(s, "PATCH", `/api/users/${u.user.id}`, { role: "admin" }, adminKey),
      ],
      [
        "admin's key → owner",
        await apiJson(s, "PATCH", `/api/users/${u.user.id}`, { role: "owner" }, adminKey),
      ],
      ["owner → owner", await owner.call("PATCH", `/api/users/${u.user.id}`, { role: "owner" })],
      ["admin session invites an admin", await admin.call("POST", "/api/invites", { role: "admin" })],
    ];
    for (const [what, res] of attempts) {
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
    }
    expect(roleOf(u.user.id)).toBe("user");
    expect(roleOf(other.user.id)).toBe("admin");
    // What an admin may do: change a user's role to user (no-op) and invite users.
    expect((await admin.call("PATCH", `/api/users/${u.user.id}`, { role: "user" })).status).toBe(200);
    expect((await admin.call("POST", "/api/invites", {})).status).toBe(201);
    // Bad bodies and unknown users.
    expect((await apiJson(s, "PATCH", `/api/users/${u.user.id}`, { role: "root" })).status).toBe(400);
    expect((await apiJson(s, "PATCH", `/api/users/${u.user.id}`, {})).status).toBe(400);
    expect((await apiJson(s, "PATCH", "/api/users/usr_nobody", { role: "user" })).status).toBe(404);
  });

  test("nobody demotes or deletes the owner, not even with an admin key", async () => {
    const admin = await newUser("admin");
    const attempts: Array<[string, Response]> = [
      ["owner demotes self", await owner.call("PATCH", `/api/users/${ownerId}`, { role: "admin" })],
      ["owner deletes self", await owner.call("DELETE", `/api/users/${ownerId}`)],
      ["admin demotes owner", await admin.call("PATCH", `/api/users/${ownerId}`, { role: "user" })],
      ["admin deletes owner", await admin.call("DELETE", `/api/users/${ownerId}`)],
      ["key demotes owner", await apiJson(s, "PATCH", `/api/users/${ownerId}`, { role: "user" })],
      ["key deletes owner", await apiJson(s, "DELETE", `/api/users/${ownerId}`)],
    ];
    for (const [what, res] of attempts) {
      expect({ what, status: res.status }).toEqual({ what, status: 403 });
    }
    expect(roleOf(ownerId)).toBe("owner");
    expect((await owner.call("GET", "/api/users")).status).toBe(200);
  });

  test("only the owner deletes an admin; deleting a user ends their sessions", async () => {
    const admin = await newUser("admin");
    const otherAdmin = await newUser("admin");
    expect(
      (await apiJson(s, "DELETE", `/api/users/${admin.user.id}`, undefined, await keyOf(otherAdmin))).status,
    ).toBe(403);
    expect(
      (await dataOf<{ removed: boolean }>(await owner.call("DELETE", `/api/users/${admin.user.id}`), 200))
        .removed,
    ).toBe(true);

    const u = await newUser();
    const again = await signIn({ email: u.user.email!, password: "a-good-password" });
    const sessions = () =>
      s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM sessions WHERE user_id = ?", [u.user.id])!
        .n;
    expect(sessions()).toBe(2);
    await dataOf(await apiJson(s, "DELETE", `/api/users/${u.user.id}`), 200);
    expect(sessions()).toBe(0);
    for (const sess of [u, again]) {
      const res = await s.request("/auth/session", { headers: { cookie: sess.cookie } });
      expect((await dataOf<{ user: User | null }>(res, 200)).user).toBeNull();
    }
    expect((await apiJson(s, "DELETE", `/api/users/${u.user.id}`)).status).toBe(404);
  });

  test("cookie writes need the admin origin; no session or key is 401", async () => {
    const u = await newUser();
    const crossOrigin = await s.request(`/api/users/${u.user.id}`, {
      method: "PATCH",
      headers: { cookie: owner.cookie, origin: "http://evil.example", "content-type": "application/json" },
      body: JSON.stringify({ role: "admin" }),
    });
    expect(crossOrigin.status).toBe(403);
    expect(roleOf(u.user.id)).toBe("user");
    for (const [method, path] of [
      ["GET", "/api/users"],
      ["PATCH", `/api/users/${u.user.id}`],
      ["DELETE", `/api/users/${u.user.id}`],
      ["GET", "/api/invites"],
      ["POST", "/api/invites"],
    ] as const) {
      expect(
        (await apiJson(s, method, path, method === "PATCH" ? { role: "user" } : undefined, null)).status,
      ).toBe(401);
    }
  });
});

describe("a `user` session on the admin API", () => {
  const paths = [
    "/api/apps",
    "/api/apps/x",
    "/api/aliases",
    "/api/keys",
    "/api/users",
    "/api/invites",
    "/api/system/health",
    "/api/system/config",
    "/api/deploys",
    "/api/deploy",
    "/api/sql",
    "/api/apps/x/storage",
    "/api/apps/x/storage/ds/c",
    "/api/backups/x",
  ];
  const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

  for (const host of ["localhost", "admin.localhost"]) {
    test(`gets 403 on every admin route and method on ${host}`, async () => {
      const u = await newUser();
      const wrong: string[] = [];
      for (const path of paths) {
        for (const method of methods) {
          const res = await u.call(
            method,
            path,
            method === "GET" || method === "DELETE" ? undefined : {},
            host,
          );
          const body = (await res.json()) as { error?: { code: string; message: string } };
          if (
            res.status !== 403 ||
            body.error?.code !== "FORBIDDEN" ||
            !/owner or an admin/.test(body.error.message)
          ) {
            wrong.push(`${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      // Control: the owner's session on the same host gets through.
      expect((await owner.call("GET", "/api/apps", undefined, host)).status).toBe(200);
      expect((await owner.call("GET", "/api/users", undefined, host)).status).toBe(200);
      // And nothing changed for the user.
      expect(roleOf(u.user.id)).toBe("user");
    });
  }
});
