import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { type Browser, field, PASSWORD, startWorld, type World } from "./handoff-world.ts";

/**
 * One sign-in for every host: app hosts hand their sign-in to the admin host,
 * which returns the browser with a single-use code bound to that host and
 * browser. Real HTTP; each "browser" keeps its own cookie jar per host.
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
const handoffUrl = (b: Browser, host?: string, path?: string) => w.handoffUrl(b, host, path);

describe("the handoff", () => {
  test("signed in on the admin host, an app's private page opens with no second form", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    const from = b.visited.length;
    const page = await b.open(`http://${BLOG}/private/x.html`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<p>blog secret</p>");
    expect(b.visited.slice(from).map((u) => new URL(u).host + new URL(u).pathname)).toEqual([
      `${BLOG}/private/x.html`,
      `${BLOG}/auth/login`,
      `${ADMIN}/auth/login`,
      `${BLOG}/auth/handoff`,
      `${BLOG}/private/x.html`,
    ]);
    // blog has a session of its own, host-only, a child of the admin host's.
    const child = sessionRow(sessionId(b, BLOG))!;
    expect(child.parent_id).toBe(sessionId(b, ADMIN));
    expect(sessionRow(sessionId(b, ADMIN))!.parent_id).toBeNull();
    const cookie = b.cookie(BLOG, "fazt_session")!.raw;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Domain");
    // The code was spent.
    expect(pendingCodes()).toBe(0);
  });

  test("app code's requireLogin goes the same way, and getLogoutURL is the sign-out page", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    const res = await b.open(`http://${DOCS}/api/me`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "admin", logout: "/auth/logout" });
    const logout = await b.open(`http://${DOCS}/auth/logout`);
    expect(logout.status).toBe(200);
    expect(await logout.text()).toContain('<form method="post" action="/auth/logout">');
  });

  test("not signed in anywhere: the admin host's form, then back to the page", async () => {
    const b = newBrowser();
    const form = await b.open(`http://${BLOG}/private/x.html?a=1`);
    expect(form.status).toBe(200);
    expect(new URL(b.visited.at(-1)!).host).toBe(ADMIN);
    const html = await form.text();
    expect(html).toContain(`to continue to <strong>${BLOG}</strong>`);
    const redirect = field(html, "redirect")!;
    const state = field(html, "state")!;
    expect(redirect).toBe(`http://${BLOG}/private/x.html?a=1`);
    expect(state).toBe(b.cookie(BLOG, "fazt_handoff")!.value);
    expect(b.cookie(BLOG, "fazt_handoff")!.path).toBe("/auth");
    // A wrong password keeps the way on.
    const wrong = await b.submit(`http://${ADMIN}/auth/login`, {
      username: "admin",
      password: "nope",
      redirect,
      state,
    });
    expect(wrong.status).toBe(401);
    const again = await wrong.text();
    expect(field(again, "redirect")).toBe(redirect);
    expect(field(again, "state")).toBe(state);
    const posted = await b.request(`http://${ADMIN}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: `http://${ADMIN}` },
      body: new URLSearchParams({ username: "admin", password: PASSWORD, redirect, state }).toString(),
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.get("location")).toStartWith(`http://${BLOG}/auth/handoff?code=`);
    const page = await b.open(posted.headers.get("location")!);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<p>blog secret</p>");
    expect(b.cookie(ADMIN, "fazt_session")).toBeDefined();
    // And now another app opens without a form.
    const docs = await b.open(`http://${DOCS}/private/y.html`);
    expect(await docs.text()).toBe("<p>docs secret</p>");
  });

  test("an admin URL typed without the app host's state goes to that host first, then comes back", async () => {
    const b = newBrowser();
    await b.signInOnAdmin();
    const first = await b.request(
      `http://${ADMIN}/auth/login?redirect=${encodeURIComponent(`http://${BLOG}/private/x.html`)}`,
    );
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(`http://${BLOG}/auth/login?redirect=%2Fprivate%2Fx.html`);
    expect(pendingCodes()).toBe(0);
    const page = await b.open(first.headers.get("location")!);
    expect(await page.text()).toBe("<p>blog secret</p>");
  });

  test("a code works once", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const first = await b.request(url);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/private/x.html");
    expect(first.headers.get("referrer-policy")).toBe("no-referrer");
    expect(first.headers.get("cache-control")).toBe("no-store");
    const sessions = s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM sessions")!.n;
    const second = await b.request(url);
    expect(second.status).toBe(400);
    expect(second.headers.get("set-cookie")).toBeNull();
    expect(await second.text()).toContain("already used");
    expect(s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM sessions")!.n).toBe(sessions);
  });

  test("two requests with one code at once: exactly one session", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const results = await Promise.all(Array.from({ length: 10 }, () => b.request(url)));
    expect(results.filter((r) => r.status === 302)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(9);
  });

  test("a code replayed on another host is refused, and spent", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const code = new URL(url).searchParams.get("code")!;
    // Even with this browser's state on that host too, the code is blog's.
    b.setCookie(DOCS, "fazt_handoff", b.cookie(BLOG, "fazt_handoff")!.value, "/auth");
    const replay = await b.request(`http://${DOCS}/auth/handoff?code=${code}`);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("for another site");
    expect(b.cookie(DOCS, "fazt_session")).toBeUndefined();
    // The same host on another port is another host.
    const url2 = await handoffUrl(b);
    const code2 = new URL(url2).searchParams.get("code")!;
    b.setCookie("blog.localhost", "fazt_handoff", b.cookie(BLOG, "fazt_handoff")!.value, "/auth");
    const otherPort = await b.request(`http://blog.localhost:1/auth/handoff?code=${code2}`);
    expect(otherPort.status).toBe(400);
    // Spent: the right host cannot use them any more either.
    expect((await b.request(url)).status).toBe(400);
    expect((await b.request(url2)).status).toBe(400);
  });

  test("a code opened in another browser is refused (login CSRF): it is bound to the browser that asked", async () => {
    const attacker = newBrowser();
    const url = await handoffUrl(attacker);
    const victim = newBrowser();
    const res = await victim.request(url);
    expect(res.status).toBe(400);
    expect(victim.cookie(BLOG, "fazt_session")).toBeUndefined();
    // With a state of its own, still not this code's.
    await victim.request(`http://${BLOG}/auth/login`);
    expect(victim.cookie(BLOG, "fazt_handoff")).toBeDefined();
    expect((await victim.request(url)).status).toBe(400);
    expect(victim.cookie(BLOG, "fazt_session")).toBeUndefined();
  });

  test("an expired code is refused (60 s)", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const row = s.store.engine.get<{ e: number }>("SELECT expires_at AS e FROM auth_handoffs")!;
    expect(row.e - Date.now()).toBeGreaterThan(55_000);
    expect(row.e - Date.now()).toBeLessThanOrEqual(60_000);
    s.store.engine.run("UPDATE auth_handoffs SET expires_at = ?", [Date.now() - 1]);
    const res = await b.request(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("expired");
    expect(b.cookie(BLOG, "fazt_session")).toBeUndefined();
  });

  test("the database keeps only a hash of each code", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const code = new URL(url).searchParams.get("code")!;
    const dump = JSON.stringify(s.store.engine.all("SELECT * FROM auth_handoffs"));
    expect(dump).not.toContain(code);
    expect(dump).toContain(BLOG);
    await b.request(url);
  });

  test("a code whose sign-in has ended since is refused", async () => {
    const b = newBrowser();
    const url = await handoffUrl(b);
    const out = await b.submit(`http://${ADMIN}/auth/logout`, {});
    await out.body?.cancel();
    const res = await b.request(url);
    expect(res.status).toBe(400);
    expect(b.cookie(BLOG, "fazt_session")).toBeUndefined();
  });

  test("a page spamming the admin host keeps at most 10 codes per sign-in", async () => {
    s.store.engine.run("DELETE FROM auth_handoffs");
    const b = newBrowser();
    await b.signInOnAdmin();
    await b.request(`http://${BLOG}/auth/login`);
    const state = b.cookie(BLOG, "fazt_handoff")!.value;
    const target = encodeURIComponent(`http://${BLOG}/`);
    for (let i = 0; i < 25; i++) {
      const res = await b.request(`http://${ADMIN}/auth/login?redirect=${target}&state=${state}`);
      expect(res.status).toBe(302);
    }
    expect(pendingCodes()).toBe(10);
    s.store.engine.run("DELETE FROM auth_handoffs");
  });
});
