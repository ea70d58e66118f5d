import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { type Browser, field, PASSWORD, startWorld, type World } from "./handoff-world.ts";

/**
 * One sign-in for every host, its edges: which hosts the admin host hands a
 * sign-in to, and signing out everywhere that sign-in reached. Real HTTP.
 */

// App code starts a QuickJS worker on first use.
setDefaultTimeout(30_000);

let w: World;
let s: TestServer;
let ADMIN: string;
let BLOG: string;
let DOCS: string;
beforeAll(async () => {
  w = await startWorld();
  ({ s, ADMIN, BLOG, DOCS } = w);
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

const newBrowser = () => w.browser();
const sessionId = (b: Browser, host: string) => w.sessionId(b, host);
const sessionRow = (id: string) => w.sessionRow(id);
const pendingCodes = () => w.pendingCodes();

describe("where a sign-in may be handed", () => {
  test("a redirect to another host from an app host's sign-in falls back to that host's /", async () => {
    const b = newBrowser();
    for (const redirect of [
      "https://evil.example/x",
      "//evil.example/x",
      `http://${DOCS}/private/y.html`,
      "http://blog.localhost:1/x",
      "/\\evil.example",
      "/..//evil.example",
    ]) {
      const hop = await b.request(`http://${BLOG}/auth/login?redirect=${encodeURIComponent(redirect)}`);
      expect(hop.status).toBe(302);
      const location = new URL(hop.headers.get("location")!);
      expect(location.host).toBe(ADMIN);
      expect({ redirect, back: location.searchParams.get("redirect") }).toEqual({
        redirect,
        back: `http://${BLOG}/`,
      });
    }
  });

  test("the admin host hands codes only to app hosts on its own scheme and port", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    await b.request(`http://${BLOG}/auth/login`);
    const state = b.cookie(BLOG, "fazt_handoff")!.value;
    const before = pendingCodes();
    const refused = [
      "http://evil.example/",
      `http://evil.example:${s.port}/`,
      "http://blog.localhost:1/", // another program on *.localhost
      `https://${BLOG}/`,
      `http://a.b.localhost:${s.port}/`, // not a host Fazt routes
      `http://localhost.evil.example:${s.port}/`,
      `http://${ADMIN}/`, // its own host: no handoff needed
      `http://localhost:${s.port}/`,
      `http://127.0.0.1:${s.port}/`,
      `http://admin@${BLOG}/`,
      `javascript:alert(1)//${BLOG}/`,
    ];
    for (const redirect of refused) {
      const res = await b.request(
        `http://${ADMIN}/auth/login?redirect=${encodeURIComponent(redirect)}&state=${state}`,
      );
      // Signed in, no handoff: the ordinary page, whose form goes to a safe target.
      expect({ redirect, status: res.status }).toEqual({ redirect, status: 200 });
      expect(field(await res.text(), "state")).toBeUndefined();
      expect(pendingCodes()).toBe(before);
      // A form sign-in with that target does not hand off either.
      const form = await b.request(`http://${ADMIN}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: `http://${ADMIN}` },
        body: new URLSearchParams({ username: "admin", password: PASSWORD, redirect, state }).toString(),
      });
      expect(form.status).toBe(303);
      expect(form.headers.get("location")).not.toContain("/auth/handoff");
      expect(pendingCodes()).toBe(before);
    }
  });

  test("a path that reads as another host (`//evil`) comes back as /", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    await b.request(`http://${BLOG}/auth/login`);
    const state = b.cookie(BLOG, "fazt_handoff")!.value;
    for (const target of [`http://${BLOG}//evil.example/x`, `http://${BLOG}/..//evil.example`]) {
      const res = await b.request(
        `http://${ADMIN}/auth/login?redirect=${encodeURIComponent(target)}&state=${state}`,
      );
      expect(res.status).toBe(302);
      const back = await b.request(res.headers.get("location")!);
      expect({ target, location: back.headers.get("location") }).toEqual({ target, location: "/" });
    }
  });
});

describe("signing out", () => {
  test("GET /auth/logout is a page with a sign-out button; POST from another site is refused", async () => {
    const b = newBrowser();
    await b.open(`http://${BLOG}/private/x.html`); // leaves a state cookie only
    await b.signInOnAdmin();
    await b.open(`http://${BLOG}/private/x.html`);
    const page = await b.request(`http://${BLOG}/auth/logout`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    const html = await page.text();
    expect(html).toContain('<form method="post" action="/auth/logout">');
    expect(html).toContain("<strong>admin</strong>");
    expect(html).toContain('type="submit">Sign out</button>');
    // The page alone signs nobody out.
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    const refused: Array<Record<string, string>> = [
      { origin: "http://evil.example" },
      { origin: `http://${ADMIN}` }, // another host of the same Fazt is another origin
      { "sec-fetch-site": "same-site" },
      {},
    ];
    for (const headers of refused) {
      const res = await b.request(`http://${BLOG}/auth/logout`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: "",
      });
      expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect(sessionRow(sessionId(b, BLOG))).not.toBeNull();
    expect(sessionRow(sessionId(b, ADMIN))).not.toBeNull();
  });

  test("signing out on an app host signs out the admin host and every other app", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    expect((await b.open(`http://${DOCS}/private/y.html`)).status).toBe(200);
    const ids = [sessionId(b, ADMIN), sessionId(b, BLOG), sessionId(b, DOCS)];
    const out = await b.submit(`http://${BLOG}/auth/logout`, { redirect: "/" });
    expect(out.status).toBe(200);
    expect(await out.text()).toBe("<h1>blog</h1>");
    expect(b.cookie(BLOG, "fazt_session")).toBeUndefined();
    for (const id of ids) expect(sessionRow(id)).toBeNull();
    // The other hosts' cookies are still in the browser, but name nothing.
    const session = await b.request(`http://${ADMIN}/auth/session`, {
      headers: { accept: "application/json" },
    });
    expect(((await session.json()) as { data: { user: unknown } }).data.user).toBeNull();
    const docs = await b.open(`http://${DOCS}/private/y.html`);
    expect(new URL(b.visited.at(-1)!).host).toBe(ADMIN);
    expect(await docs.text()).toContain('name="password"');
  });

  test("signing out on the admin host signs out every app", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    const blogSession = sessionId(b, BLOG);
    const out = await b.request(`http://${ADMIN}/auth/logout`, {
      method: "POST",
      headers: { accept: "application/json" },
    });
    expect(out.status).toBe(200);
    expect(sessionRow(blogSession)).toBeNull();
    const session = await b.request(`http://${BLOG}/auth/session`, {
      headers: { accept: "application/json" },
    });
    expect(((await session.json()) as { data: { user: unknown } }).data.user).toBeNull();
    // And the admin API's own sign-out does the same.
    await b.signInOnAdmin();
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    const again = sessionId(b, BLOG);
    const api = await b.request(`http://${ADMIN}/api/logout`, {
      method: "POST",
      headers: { origin: `http://${ADMIN}` },
    });
    expect(api.status).toBe(200);
    expect(sessionRow(again)).toBeNull();
  });

  test("a session used only on an app host keeps its sign-in alive", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    await b.open(`http://${BLOG}/private/x.html`);
    const day = 24 * 3600 * 1000;
    const parent = sessionId(b, ADMIN);
    s.store.engine.run("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id IN (?, ?)", [
      Date.now() - 2 * day,
      Date.now() + day,
      parent,
      sessionId(b, BLOG),
    ]);
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    const e = s.store.engine.get<{ e: number }>("SELECT expires_at AS e FROM sessions WHERE id = ?", [
      parent,
    ])!.e;
    expect(e).toBeGreaterThan(Date.now() + 29 * day);
  });
});

describe("on a real domain", () => {
  test("app hosts hop to admin.D; *.localhost targets only from a localhost admin host; sign-out clears both cookies", async () => {
    const d = await startTestServer({ password: PASSWORD, config: { domain: "example.com" } });
    try {
      const at = (name: string) => `${name}:${d.port}`;
      const hop = await d.request("/auth/login?redirect=/x", { host: at("blog.example.com") });
      const location = new URL(hop.headers.get("location")!);
      expect(location.host).toBe(at("admin.example.com"));
      expect(location.searchParams.get("redirect")).toBe(`http://${at("blog.example.com")}/x`);
      const state = location.searchParams.get("state")!;
      const signIn = await d.request("/auth/login", {
        method: "POST",
        host: at("admin.example.com"),
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: PASSWORD }),
      });
      expect(signIn.headers.get("set-cookie")).toContain("Domain=.example.com");
      const cookie = `${/fazt_session=[a-z2-7]+/.exec(signIn.headers.get("set-cookie")!)![0]}`;
      const ask = (admin: string, target: string) =>
        d.request(`/auth/login?redirect=${encodeURIComponent(target)}&state=${state}`, {
          host: admin,
          headers: { cookie },
        });
      const toBlog = await ask(at("admin.example.com"), `http://${at("blog.example.com")}/x`);
      expect(toBlog.status).toBe(302);
      const handoff = new URL(toBlog.headers.get("location")!);
      expect(`${handoff.host}${handoff.pathname}`).toBe(`${at("blog.example.com")}/auth/handoff`);
      // This machine's *.localhost is not a host of example.com's admin page.
      const toLocal = await ask(at("admin.example.com"), `http://${at("blog.localhost")}/x`);
      expect(toLocal.status).toBe(200);
      // Reached through localhost, it is.
      const viaLocal = await ask(at("admin.localhost"), `http://${at("blog.localhost")}/x`);
      expect(new URL(viaLocal.headers.get("location")!).host).toBe(at("blog.localhost"));
      // The handoff's cookie is host-only even where D allows a Domain cookie.
      const done = await d.request(`${handoff.pathname}${handoff.search}`, {
        host: handoff.host,
        headers: { cookie: `fazt_handoff=${state}` },
      });
      expect(done.status).toBe(302);
      const child = done.headers.get("set-cookie")!;
      expect(child).toMatch(/^fazt_session=[a-z2-7]{52}; /);
      expect(child).not.toContain("Domain");
      const out = await d.request("/auth/logout", {
        method: "POST",
        host: at("blog.example.com"),
        headers: { cookie: child.split(";")[0]! },
      });
      const cleared = out.headers.getSetCookie();
      expect(cleared).toHaveLength(2);
      expect(cleared.every((c) => c.includes("Max-Age=0"))).toBe(true);
      expect(cleared.filter((c) => c.includes("Domain=.example.com"))).toHaveLength(1);
      const session = await d.request("/auth/session", {
        host: at("admin.example.com"),
        headers: { cookie },
      });
      expect(((await session.json()) as { data: { user: unknown } }).data.user).toBeNull();
    } finally {
      await d.stop();
    }
  });
});
