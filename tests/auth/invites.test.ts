import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { apiJson, dataOf } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

// Argon2 hashing for 20 racing redemptions takes a few seconds.
setDefaultTimeout(30_000);

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

interface Invite {
  id: string;
  role: string;
  maxUses: number;
  uses: number;
  expiresAt: number;
  status: string;
  code: string;
  url: string;
}
interface User {
  id: string;
  email: string;
  name: string | null;
  role: string;
}

const invite = async (body: Record<string, unknown> = {}) =>
  dataOf<Invite>(await apiJson(s, "POST", "/api/invites", body), 201);

const redeem = (code: string, body: Record<string, unknown>, host = "localhost") =>
  s.request(`/auth/invite/${code}`, {
    method: "POST",
    host,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** The invite form as a browser posts it from the invite page: with its own origin. */
const redeemForm = (code: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  s.request(`/auth/invite/${code}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost", ...headers },
    body: new URLSearchParams(fields).toString(),
  });

const sessionToken = (res: Response) =>
  /fazt_session=([a-z2-7]+);/.exec(res.headers.get("set-cookie") ?? "")?.[1];

const countUsers = (email?: string) =>
  s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE ? = '' OR email = ?", [
    email ?? "",
    email ?? "",
  ])!.n;

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe("creating invites", () => {
  test("POST /api/invites answers the code and the link once; GET lists without them", async () => {
    const inv = await invite({ role: "user", maxUses: 3, expiry: "2h" });
    expect(inv).toMatchObject({ role: "user", maxUses: 3, uses: 0, status: "open" });
    expect(inv.code).toMatch(/^[a-z2-7]{32}$/);
    expect(inv.url).toBe(`http://localhost:${s.ctx.config.port}/auth/invite/${inv.code}`);
    expect(inv.expiresAt - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(inv.expiresAt - Date.now()).toBeLessThanOrEqual(2 * 3600_000);

    const defaults = await invite();
    expect(defaults).toMatchObject({ role: "user", maxUses: 1 });
    expect(defaults.expiresAt - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);

    const res = await apiJson(s, "GET", "/api/invites");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(inv.code);
    expect(text).not.toContain(defaults.code);
    const list = (JSON.parse(text) as { data: Invite[] }).data;
    expect(list.map((i) => i.id)).toContain(inv.id);
    expect(list.find((i) => i.id === inv.id)).not.toHaveProperty("code");
  });

  test("the code is never stored in clear: only its sha256", async () => {
    const inv = await invite();
    const dump = JSON.stringify(s.store.engine.all("SELECT * FROM invites"));
    expect(dump).not.toContain(inv.code);
    expect(dump).toContain(new Bun.CryptoHasher("sha256").update(inv.code).digest("hex"));
  });

  test("bad bodies are refused naming the field; an admin key cannot invite admins", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ role: "owner" }, /role/],
      [{ maxUses: 0 }, /maxUses/],
      [{ maxUses: 1.5 }, /maxUses/],
      [{ expiry: "7 days" }, /expiry/],
      [{ expiry: 5000 }, /expiry/],
      [{ expiry: "400d" }, /expiry/],
      [{ extra: true }, /extra/],
    ];
    for (const [body, field] of cases) {
      const res = await apiJson(s, "POST", "/api/invites", body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(field);
    }
    // The test key is the owner's; an admin's key acts as that admin.
    const made = await redeem((await invite({ role: "admin" })).code, {
      email: "key-maker@example.com",
      password: "a-good-password",
    });
    expect(made.status).toBe(201);
    const minted = await s.request("/api/keys", {
      method: "POST",
      headers: {
        cookie: `fazt_session=${sessionToken(made)}`,
        origin: "http://localhost",
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "admin's key" }),
    });
    const adminKey = (await dataOf<{ token: string }>(minted, 201)).token;
    const admin = await apiJson(s, "POST", "/api/invites", { role: "admin" }, adminKey);
    expect(admin.status).toBe(403);
    expect(await apiJson(s, "POST", "/api/invites", {}, null).then((r) => r.status)).toBe(401);
    expect(await apiJson(s, "GET", "/api/invites", undefined, null).then((r) => r.status)).toBe(401);
  });
});

describe("redeeming", () => {
  test("JSON: 201 with the user and a session; the user signs in again with email and password", async () => {
    const inv = await invite();
    const res = await redeem(inv.code, {
      email: " Ada@Example.com ",
      password: "analytical-engine",
      name: "Ada",
    });
    const user = (await dataOf<{ user: User }>(res, 201)).user;
    expect(user).toMatchObject({ email: "ada@example.com", name: "Ada", role: "user" });
    expect(res.headers.get("set-cookie")).toMatch(
      /^fazt_session=[a-z2-7]{52}; Path=\/; HttpOnly; SameSite=Lax/,
    );

    const token = sessionToken(res)!;
    const session = await s.request("/auth/session", { headers: { cookie: `fazt_session=${token}` } });
    expect((await dataOf<{ user: User | null }>(session, 200)).user?.id).toBe(user.id);

    const login = await s.request("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "ada@example.com", password: "analytical-engine" }),
    });
    expect((await dataOf<{ user: User }>(login, 200)).user.id).toBe(user.id);
    expect(sessionToken(login)).toBeDefined();

    // Used up now: the page and the API both say 409.
    expect((await redeem(inv.code, { email: "b@example.com", password: "another-password" })).status).toBe(
      409,
    );
    const page = await s.request(`/auth/invite/${inv.code}`);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("already been used");

    // Only hashes in the database: no password, no session token.
    const dump = JSON.stringify(s.store.engine.all("SELECT * FROM users"));
    expect(dump).not.toContain("analytical-engine");
    expect(JSON.stringify(s.store.engine.all("SELECT * FROM sessions"))).not.toContain(token);
  });

  test("an admin invite (made by the owner) makes an admin, on any host", async () => {
    const owner = await signIn("admin", "correct-horse-battery");
    const res = await s.request("/api/invites", {
      method: "POST",
      host: `localhost:${s.port}`,
      headers: {
        cookie: owner,
        "content-type": "application/json",
        origin: `http://localhost:${s.port}`,
      },
      body: JSON.stringify({ role: "admin" }),
    });
    const inv = await dataOf<Invite>(res, 201);
    const made = await redeem(
      inv.code,
      { email: "grace@example.com", password: "cobol-forever" },
      "blog.localhost",
    );
    expect((await dataOf<{ user: User }>(made, 201)).user.role).toBe("admin");
  });

  test("form: the page has the form; posting it redirects with the cookie (redirect kept only on D)", async () => {
    const inv = await invite({ maxUses: 3 });
    const page = await s.request(`/auth/invite/${inv.code}?redirect=/after`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    const html = await page.text();
    expect(html).toContain(`action="/auth/invite/${inv.code}"`);
    for (const field of ['name="email"', 'name="password"', 'name="name"', 'value="/after"']) {
      expect(html).toContain(field);
    }

    const plain = await redeemForm(inv.code, {
      email: "form1@example.com",
      password: "form-password",
      name: "",
    });
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/");
    expect(sessionToken(plain)).toBeDefined();

    const onD = await redeemForm(inv.code, {
      email: "form2@example.com",
      password: "form-password",
      redirect: "http://blog.localhost/welcome",
    });
    expect(onD.status).toBe(303);
    expect(onD.headers.get("location")).toBe("http://blog.localhost/welcome");

    const offD = await redeemForm(inv.code, {
      email: "form3@example.com",
      password: "form-password",
      redirect: "https://evil.example/",
    });
    expect(offD.status).toBe(303);
    expect(offD.headers.get("location")).toBe("/");
    expect(countUsers("form3@example.com")).toBe(1);
  });

  test("bad input is refused without using the invite; a taken email is 409 and leaves it open", async () => {
    const inv = await invite();
    for (const body of [
      { email: "not-an-email", password: "long-enough-pw" },
      { email: "x@example.com", password: "short" },
      { email: "x@example.com", password: "long-enough-pw", name: "n".repeat(101) },
      { password: "long-enough-pw" },
    ]) {
      expect((await redeem(inv.code, body)).status).toBe(400);
    }
    const taken = await redeem(inv.code, { email: "ADA@example.com", password: "long-enough-pw" });
    expect(taken.status).toBe(409);
    expect(await errorCode(taken)).toBe("CONFLICT");
    // The form shows the reason on the form again, not the "used up" page.
    const form = await redeemForm(inv.code, { email: "not-an-email", password: "long-enough-pw" });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('name="email"');
    // Still open: the failures above did not count as uses.
    const ok = await redeem(inv.code, { email: "late@example.com", password: "long-enough-pw" });
    expect(ok.status).toBe(201);
  });

  test("a redemption posted from another site is refused (login CSRF) and changes nothing", async () => {
    const inv = await invite({ maxUses: 5 });
    const users = countUsers();
    const sessions = () => s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM sessions")!.n;
    const before = sessions();
    const fields = { email: "csrf@example.com", password: "long-enough-pw" };
    const post = (headers: Record<string, string>) =>
      s.request(`/auth/invite/${inv.code}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    const refused: Array<Record<string, string>> = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { origin: "http://blog.localhost" }, // a sibling host is another origin
      { "sec-fetch-site": "cross-site" },
      {},
    ];
    for (const headers of refused) {
      const form = await post(headers);
      expect({ headers, status: form.status }).toEqual({ headers, status: 403 });
      expect(form.headers.get("set-cookie")).toBeNull();
      expect(await form.text()).toContain("from another site");
    }
    const json = await s.request(`/auth/invite/${inv.code}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example" },
      body: JSON.stringify(fields),
    });
    expect(json.status).toBe(403);
    expect(await errorCode(json)).toBe("FORBIDDEN");
    expect(countUsers()).toBe(users);
    expect(sessions()).toBe(before);
    const row = s.store.engine.get<{ uses: number }>("SELECT uses FROM invites WHERE id = ?", [inv.id]);
    expect(row?.uses).toBe(0);
    // The invite's own page still works.
    expect((await redeemForm(inv.code, fields)).status).toBe(303);
  });

  test("20 concurrent redemptions of a single-use code: exactly one user", async () => {
    const inv = await invite();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        redeem(inv.code, { email: `racer${i}@example.com`, password: "racing-password" }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    const made = s.store.engine.get<{ n: number }>(
      "SELECT count(*) AS n FROM users WHERE email LIKE 'racer%'",
    )!.n;
    expect(made).toBe(1);
    const row = s.store.engine.get<{ uses: number }>("SELECT uses FROM invites WHERE id = ?", [inv.id])!;
    expect(row.uses).toBe(1);
  });

  test("expired 410, exhausted 409, unknown 404: JSON and page", async () => {
    const expired = await invite({ expiry: "1s" });
    s.store.engine.run("UPDATE invites SET expires_at = ? WHERE id = ?", [Date.now() - 1, expired.id]);
    const exhausted = await invite({ maxUses: 2 });
    s.store.engine.run("UPDATE invites SET uses = 2 WHERE id = ?", [exhausted.id]);
    const unknown = "a".repeat(32);
    const cases: Array<[string, number, string, RegExp]> = [
      [expired.code, 410, "GONE", /expired/],
      [exhausted.code, 409, "CONFLICT", /already been used/],
      [unknown, 404, "NOT_FOUND", /not valid/],
      ["not-a-code", 404, "NOT_FOUND", /not valid/],
    ];
    const before = countUsers();
    for (const [code, status, errCode, words] of cases) {
      const res = await redeem(code, { email: `late-${status}@example.com`, password: "long-enough-pw" });
      expect(res.status).toBe(status);
      expect(await errorCode(res)).toBe(errCode);
      const page = await s.request(`/auth/invite/${code}`);
      expect(page.status).toBe(status);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      const html = await page.text();
      expect(html).toMatch(words);
      expect(html).not.toContain('name="password"');
      const form = await redeemForm(code, {
        email: `late-f${status}@example.com`,
        password: "long-enough-pw",
      });
      expect(form.status).toBe(status);
      expect(form.headers.get("set-cookie")).toBeNull();
    }
    expect(countUsers()).toBe(before);
    const statuses = (await dataOf<Invite[]>(await apiJson(s, "GET", "/api/invites"), 200)).filter((i) =>
      [expired.id, exhausted.id].includes(i.id),
    );
    expect(statuses.map((i) => i.status).sort()).toEqual(["expired", "used"]);
  });
});

async function signIn(username: string, password: string): Promise<string> {
  const res = await s.request("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  return `fazt_session=${sessionToken(res)}`;
}
