import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { withoutSessionCookie } from "../../src/auth/cookies.ts";
import { safeRedirect } from "../../src/auth/redirects.ts";
import { sha256Hex } from "../../src/core/crypto.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** Sign-in, sessions across subdomains, the private gate, limits and admin authorisation (SPEC §7). */

const PASSWORD = "correct-horse-battery";
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ password: PASSWORD });
  await deployFiles(s, "blog", {
    "index.html": "<h1>blog</h1>",
    "private/notes.html": "<p>secret notes</p>",
  });
});
afterAll(async () => {
  await s.stop();
});

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Signs in as the owner on `host`; returns the `name=value` part of the cookie and the full header. */
async function signIn(host = "localhost", password = PASSWORD, path = "/api/login") {
  const res = await s.request(path, { ...json({ username: "admin", password }), host });
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { res, setCookie, cookie: setCookie.split(";")[0]! };
}

describe("sign-in and sessions", () => {
  test("the cookie is HttpOnly, SameSite=Lax, Path=/, 30 days, host-only on localhost; only its hash is stored", async () => {
    const { res, setCookie, cookie } = await signIn();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { user: { role: string } } }).data.user.role).toBe("owner");
    expect(setCookie).toMatch(/^fazt_session=[a-z2-7]{52}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toContain(`Max-Age=${30 * 24 * 3600}`);
    expect(setCookie).not.toContain("Domain=");
    expect(setCookie).not.toContain("Secure");
    const token = cookie.split("=")[1]!;
    const rows = s.store.engine.all<{ id: string }>("SELECT id FROM sessions");
    expect(rows.map((r) => r.id)).toContain(sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test("one cookie covers the admin host and every app: /auth/session and the private gate", async () => {
    const { cookie } = await signIn("admin.localhost");
    const me = await s.request("/api/me", { headers: { cookie } });
    expect(((await me.json()) as { data: { user: { username: string } } }).data.user.username).toBe("admin");
    const session = await s.request("/auth/session", { host: "blog.localhost", headers: { cookie } });
    expect(((await session.json()) as { data: { user: { role: string } | null } }).data.user?.role).toBe(
      "owner",
    );
    const gated = await s.request("/private/notes", { host: "blog.localhost", headers: { cookie } });
    expect(gated.status).toBe(200);
    expect(await gated.text()).toBe("<p>secret notes</p>");
    const anonymous = await s.request("/private/notes", { host: "blog.localhost" });
    expect(anonymous.status).toBe(401);
  });

  test("signing in on an app subdomain works too, and signing out ends the session everywhere", async () => {
    const { res, cookie } = await signIn("blog.localhost", PASSWORD, "/auth/login");
    expect(res.status).toBe(200);
    expect((await s.request("/api/me", { headers: { cookie } })).status).toBe(200);
    const out = await s.request("/auth/logout", {
      method: "POST",
      host: "blog.localhost",
      headers: { cookie },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await s.request("/api/me", { headers: { cookie } })).status).toBe(401);
    const session = await s.request("/auth/session", { host: "blog.localhost", headers: { cookie } });
    expect(((await session.json()) as { data: { user: unknown } }).data.user).toBeNull();
  });

  test("sessions expire, and slide while used", async () => {
    const { cookie } = await signIn();
    const id = sha256Hex(cookie.split("=")[1]!);
    const day = 24 * 3600 * 1000;
    // Last seen two days ago: a request slides the expiry to 30 days from now.
    s.store.engine.run("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", [
      Date.now() - 2 * day,
      Date.now() + day,
      id,
    ]);
    expect((await s.request("/api/me", { headers: { cookie } })).status).toBe(200);
    const slid = s.store.engine.get<{ e: number }>("SELECT expires_at AS e FROM sessions WHERE id = ?", [
      id,
    ])!.e;
    expect(slid).toBeGreaterThan(Date.now() + 29 * day);
    // Expired: refused and removed.
    s.store.engine.run("UPDATE sessions SET expires_at = ? WHERE id = ?", [Date.now() - 1, id]);
    expect((await s.request("/api/me", { headers: { cookie } })).status).toBe(401);
    expect(s.store.engine.get("SELECT 1 FROM sessions WHERE id = ?", [id])).toBeNull();
  });

  test("a forged or malformed cookie is just not signed in", async () => {
    for (const cookie of [`fazt_session=${"a".repeat(52)}`, "fazt_session=../../etc", "fazt_session="]) {
      expect((await s.request("/api/me", { headers: { cookie } })).status).toBe(401);
    }
  });
});

describe("the sign-in page (works without JavaScript)", () => {
  test("GET /auth/login is a form on the admin host, with a strict CSP (app hosts hop there)", async () => {
    const hop = await s.request("/auth/login?redirect=/private/notes", { host: "blog.localhost" });
    expect(hop.status).toBe(302);
    expect(hop.headers.get("location")).toStartWith(
      `http://admin.localhost/auth/login?redirect=${encodeURIComponent("http://blog.localhost/private/notes")}&state=`,
    );
    const res = await s.request("/auth/login?redirect=/private/notes", { host: "admin.localhost" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/auth/login">');
    expect(html).toContain('name="redirect" value="/private/notes"');
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  test("a form sign-in redirects (303) to a safe target with the cookie; a failure re-renders with 401", async () => {
    const form = (fields: Record<string, string>) => ({
      method: "POST",
      host: "blog.localhost",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://blog.localhost" },
      body: new URLSearchParams(fields).toString(),
    });
    const good = await s.request(
      "/auth/login",
      form({ username: "admin", password: PASSWORD, redirect: "/private/notes" }),
    );
    expect(good.status).toBe(303);
    expect(good.headers.get("location")).toBe("/private/notes");
    expect(good.headers.get("set-cookie")).toMatch(/^fazt_session=/);
    const offsite = await s.request(
      "/auth/login",
      form({ username: "admin", password: PASSWORD, redirect: "https://evil.example/" }),
    );
    expect(offsite.headers.get("location")).toBe("/");
    const bad = await s.request(
      "/auth/login",
      form({ username: "admin", password: "nope-nope-nope", redirect: "/x" }),
    );
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("wrong username or password");
  });

  test("a form sign-in needs a same-origin Origin (or Sec-Fetch-Site); JSON without Origin still works", async () => {
    const post = (path: string, type: "form" | "json", headers: Record<string, string>) =>
      s.request(path, {
        method: "POST",
        // The sign-in form answers on every host; the admin API on the admin host.
        host: path.startsWith("/api/") ? "localhost" : "blog.localhost",
        headers: {
          "content-type": type === "form" ? "application/x-www-form-urlencoded" : "application/json",
          ...headers,
        },
        body:
          type === "form"
            ? new URLSearchParams({ username: "admin", password: PASSWORD }).toString()
            : JSON.stringify({ username: "admin", password: PASSWORD }),
      });
    const refused: Array<[string, "form" | "json", Record<string, string>]> = [
      ["/auth/login", "form", {}],
      ["/auth/login", "form", { origin: "http://evil.example" }],
      ["/auth/login", "form", { origin: "null" }],
      ["/auth/login", "form", { origin: "http://localhost" }], // a sibling host is another origin
      ["/auth/login", "form", { "sec-fetch-site": "cross-site" }],
      ["/auth/login", "form", { origin: "http://evil.example", "sec-fetch-site": "same-origin" }],
      ["/auth/login", "json", { origin: "http://evil.example" }],
      ["/api/login", "form", {}],
      ["/api/login", "json", { origin: "http://evil.example" }],
    ];
    for (const [path, type, headers] of refused) {
      const res = await post(path, type, headers);
      expect({ path, type, headers, status: res.status }).toEqual({ path, type, headers, status: 403 });
      expect(res.headers.get("set-cookie")).toBeNull();
      if (path === "/auth/login" && type === "form") expect(await res.text()).toContain("from another site");
    }
    const allowed: Array<[string, "form" | "json", Record<string, string>, number]> = [
      ["/auth/login", "form", { origin: "http://blog.localhost" }, 303],
      ["/auth/login", "form", { "sec-fetch-site": "same-origin" }, 303],
      ["/auth/login", "json", {}, 200],
      ["/auth/login", "json", { origin: "http://blog.localhost" }, 200],
      ["/api/login", "json", {}, 200],
      ["/api/login", "form", { origin: "http://localhost" }, 200],
    ];
    for (const [path, type, headers, status] of allowed) {
      const res = await post(path, type, headers);
      expect({ path, type, headers, status: res.status }).toEqual({ path, type, headers, status });
      expect(res.headers.get("set-cookie")).toMatch(/^fazt_session=/);
    }
  });

  test("IDN and full-width dots in redirect targets: checked before signing in, never a 500", async () => {
    const sessions = () => s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM sessions")!.n;
    const cases: Array<[string, string]> = [
      ["/\u3002evil.com", "/.evil.com"],
      ["/\uff0e/evil.com", "/evil.com"],
      ["/\uff61\uff61/evil.com", "/evil.com"],
      ["//evil\u3002com", "/"],
      ["/\uff0f/evil.com", "/"],
      ["\uff0f\uff0fevil.com", "/"],
      ["/\\evil.com", "/"],
      ["/..//evil.com", "/"],
      ["http://blog.localhost\u3002/x", "http://blog.localhost./x"],
      ["https://evil\uff0ecom/", "/"],
      ["/caf\u00e9?q=\u00fc", "/caf%C3%A9?q=%C3%BC"],
    ];
    for (const [redirect, location] of cases) {
      const before = sessions();
      const res = await s.request("/auth/login", {
        method: "POST",
        host: "blog.localhost",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://blog.localhost" },
        body: new URLSearchParams({ username: "admin", password: PASSWORD, redirect }).toString(),
      });
      expect({ redirect, status: res.status, location: res.headers.get("location") }).toEqual({
        redirect,
        status: 303,
        location,
      });
      expect(sessions()).toBe(before + 1);
      for (const host of ["blog.localhost", "admin.localhost"]) {
        const page = await s.request(`/auth/login?redirect=${encodeURIComponent(redirect)}`, { host });
        // App hosts hop to the admin host; there a URL on an app host goes back for its state first.
        expect([200, 302]).toContain(page.status);
        expect(page.headers.get("location") ?? "").toMatch(/^[\x20-\x7e]*$/);
      }
      const out = await s.request(`/auth/logout?redirect=${encodeURIComponent(redirect)}`, {
        method: "POST",
        host: "blog.localhost",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://blog.localhost" },
      });
      expect(out.status).toBe(303);
      expect(out.headers.get("location")).toBe(location);
    }
  });

  test("a browser asking for a private page is sent to the sign-in page with the way back", async () => {
    const res = await s.request("/private/notes?x=1", {
      host: "blog.localhost",
      headers: { accept: "text/html" },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(
      `/auth/login?redirect=${encodeURIComponent("/private/notes?x=1")}`,
    );
  });

  test("redirect targets: paths and D's hosts only", () => {
    expect(safeRedirect("/a?b=1", "example.com")).toBe("/a?b=1");
    expect(safeRedirect("https://blog.example.com/x", "example.com")).toBe("https://blog.example.com/x");
    expect(safeRedirect("https://example.com", "example.com")).toBe("https://example.com/");
    expect(safeRedirect("/\u3002evil.com", "example.com")).toBe("/.evil.com");
    expect(safeRedirect("https://blog\u3002example.com/x", "example.com")).toBe("https://blog.example.com/x");
    for (const bad of [
      "//evil.com",
      "/\\evil.com",
      "//evil\u3002com",
      "/\uff0fevil.com",
      "\uff0f\uff0fevil.com",
      "/..//evil.com",
      "https://evil\uff0ecom/",
      "https://evil.com",
      "https://example.com.evil.com/",
      "javascript:alert(1)",
      "https://user:pw@example.com/",
      "ftp://example.com/",
    ]) {
      expect(safeRedirect(bad, "example.com")).toBe("/");
    }
  });

  test("app code never sees the session cookie", () => {
    expect(withoutSessionCookie("a=1; fazt_session=abc; b=2")).toBe("a=1; b=2");
    expect(withoutSessionCookie("fazt_session=abc")).toBeNull();
  });
});

describe("admin authorisation", () => {
  test("owner sessions may use the admin API; cookie writes must carry the admin origin", async () => {
    const { cookie } = await signIn();
    expect((await s.request("/api/apps", { headers: { cookie } })).status).toBe(200);
    const body = { name: "held", type: "reserved" };
    const noOrigin = await s.request("/api/aliases", json(body, { cookie }));
    expect(noOrigin.status).toBe(403);
    const foreign = await s.request(
      "/api/aliases",
      json(body, { cookie, origin: "http://blog.localhost:4698" }),
    );
    expect(foreign.status).toBe(403);
    const same = await s.request("/api/aliases", json(body, { cookie, origin: `http://localhost` }));
    expect(same.status).toBe(201);
  });

  test("every mutating route needs authentication (401)", async () => {
    const cases: Array<[string, string, unknown?]> = [
      ["POST", "/api/aliases", { name: "x", type: "reserved" }],
      ["DELETE", "/api/aliases/held"],
      ["DELETE", "/api/apps/blog"],
      ["POST", "/api/apps/blog/rollback", {}],
      ["POST", "/api/keys", { name: "x" }],
      ["DELETE", "/api/keys/key_x"],
      ["POST", "/api/deploys", {}],
      ["PUT", "/api/system/config", { domain: "x.test" }],
    ];
    for (const [method, path, body] of cases) {
      const res = await s.request(path, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
      expect(`${method} ${path} → ${res.status}`).toBe(`${method} ${path} → 401`);
    }
  });
});

describe("sign-in limits (SPEC §7)", () => {
  test("5 failures lock the IP: 429 with Retry-After, even for the right password, whatever X-Forwarded-For says", async () => {
    const r = await startTestServer({ password: PASSWORD });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await r.request(
          "/api/login",
          json({ username: `nobody${i}`, password: "wrong-password" }, { "x-forwarded-for": `10.0.0.${i}` }),
        );
        expect(res.status).toBe(401);
      }
      const locked = await r.request(
        "/api/login",
        json({ username: "admin", password: PASSWORD }, { "x-forwarded-for": "10.9.9.9" }),
      );
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    } finally {
      await r.stop();
    }
  });

  test("behind a trusted proxy the forwarded address counts, and an account locks across addresses", async () => {
    const r = await startTestServer({ password: PASSWORD, config: { trustedProxies: ["127.0.0.1"] } });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await r.request(
          "/api/login",
          json({ username: "admin", password: "wrong-password" }, { "x-forwarded-for": `10.0.1.${i}` }),
        );
        expect(res.status).toBe(401);
      }
      // A new address, the right password: the account is locked.
      const locked = await r.request(
        "/api/login",
        json({ username: "admin", password: PASSWORD }, { "x-forwarded-for": "10.0.2.1" }),
      );
      expect(locked.status).toBe(429);
      // Another account from a fresh address is not affected.
      const other = await r.request(
        "/api/login",
        json({ username: "someone", password: "wrong-password" }, { "x-forwarded-for": "10.0.3.1" }),
      );
      expect(other.status).toBe(401);
    } finally {
      await r.stop();
    }
  });

  test("unknown accounts and wrong passwords get the same answer", async () => {
    const r = await startTestServer({ password: PASSWORD });
    try {
      const a = await r.request("/api/login", json({ username: "admin", password: "wrong-password" }));
      const b = await r.request("/api/login", json({ username: "ghost", password: "wrong-password" }));
      expect(a.status).toBe(401);
      expect(b.status).toBe(401);
      expect(((await a.json()) as { error: unknown }).error).toEqual(
        ((await b.json()) as { error: unknown }).error,
      );
    } finally {
      await r.stop();
    }
  });
});

describe("housekeeping", () => {
  test("expired sessions, OAuth states, deploy sessions and stale counters are swept", async () => {
    const { sweep } = await import("../../src/ops/housekeeping.ts");
    const db = s.store.engine;
    const owner = db.get<{ id: string }>("SELECT id FROM users WHERE role = 'owner'")!.id;
    const past = Date.now() - 1000;
    db.run(
      "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) VALUES ('old', ?, 0, 0, ?)",
      [owner, past],
    );
    db.run(
      "INSERT INTO oauth_states (state_hash, provider, code_verifier, redirect, created_at, expires_at) VALUES ('s', 'github', 'v', '/', 0, ?)",
      [past],
    );
    db.run(
      "INSERT INTO deploys (id, app_name, manifest, created_at, expires_at) VALUES ('dep_old', 'x', '{}', 0, ?)",
      [past],
    );
    db.run(
      "INSERT INTO login_attempts (key, failures, window_start, locked_until) VALUES ('ip:old', 1, 0, NULL)",
    );
    const removed = await sweep(s.store);
    expect(removed).toMatchObject({ sessions: 1, oauthStates: 1, deploys: 1 });
    expect(removed.loginAttempts).toBeGreaterThanOrEqual(1);
    expect(db.get("SELECT 1 FROM sessions WHERE id = 'old'")).toBeNull();
  });
});

describe("API keys", () => {
  test("wrong keys are counted per address in their own space: the fifth locks keys out (429)", async () => {
    const r = await startTestServer({ password: PASSWORD });
    try {
      const bad = {
        headers: {
          authorization: "Bearer fazt_key_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        },
      };
      for (let i = 0; i < 5; i++) expect((await r.request("/api/apps", bad)).status).toBe(401);
      const locked = await r.request("/api/apps", { headers: { authorization: `Bearer ${r.adminToken}` } });
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).not.toBeNull();
    } finally {
      await r.stop();
    }
  });
});
