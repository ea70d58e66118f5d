import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { sha256Hex } from "../../src/core/crypto.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

/**
 * One sign-in for every host: app hosts hand their sign-in to the admin host,
 * which returns the browser with a single-use code bound to that host and
 * browser. Real HTTP; each "browser" keeps its own cookie jar per host.
 */

// App code starts a QuickJS worker on first use.
setDefaultTimeout(30_000);

const PASSWORD = "correct-horse-battery";
let s: TestServer;
let ADMIN: string;
let BLOG: string;
let DOCS: string;

beforeAll(async () => {
  s = await startTestServer({ password: PASSWORD });
  ADMIN = `admin.localhost:${s.port}`;
  BLOG = `blog.localhost:${s.port}`;
  DOCS = `docs.localhost:${s.port}`;
  await deployFiles(s, "blog", { "index.html": "<h1>blog</h1>", "private/x.html": "<p>blog secret</p>" });
  await deployFiles(s, "docs", {
    "index.html": "<h1>docs</h1>",
    "private/y.html": "<p>docs secret</p>",
    "api/main.js": `export default (req) => { const u = fazt.auth.requireLogin(); return { name: u.name, logout: fazt.auth.getLogoutURL() }; };`,
  });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

interface Cookie {
  value: string;
  path: string;
  raw: string;
}

/** A browser: cookies kept per host (host-only, as on localhost), redirects followed by hand. */
class Browser {
  readonly jars = new Map<string, Map<string, Cookie>>();
  /** Every URL requested, in order. */
  readonly visited: string[] = [];

  cookieHeader(url: URL): string {
    const jar = this.jars.get(url.hostname) ?? new Map<string, Cookie>();
    return [...jar]
      .filter(
        ([, c]) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`),
      )
      .map(([name, c]) => `${name}=${c.value}`)
      .join("; ");
  }

  cookie(host: string, name: string): Cookie | undefined {
    return this.jars.get(host.replace(/:\d+$/, ""))?.get(name);
  }

  setCookie(host: string, name: string, value: string, path = "/"): void {
    const hostname = host.replace(/:\d+$/, "");
    if (!this.jars.has(hostname)) this.jars.set(hostname, new Map());
    this.jars.get(hostname)!.set(name, { value, path, raw: "" });
  }

  async request(
    target: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    const url = new URL(target);
    this.visited.push(url.href);
    const headers: Record<string, string> = { accept: "text/html", ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    const res = await s.request(`${url.pathname}${url.search}`, {
      method: init.method ?? "GET",
      host: url.host,
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";").map((p) => p.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const attr = (key: string) =>
        attrs.find((a) => a.toLowerCase().startsWith(`${key.toLowerCase()}=`))?.split("=")[1];
      expect(attr("Domain")).toBeUndefined(); // on localhost every cookie is host-only
      if (!this.jars.has(url.hostname)) this.jars.set(url.hostname, new Map());
      const jar = this.jars.get(url.hostname)!;
      if (attr("Max-Age") === "0") jar.delete(name);
      else jar.set(name, { value: pair.slice(eq + 1), path: attr("Path") ?? "/", raw: line });
    }
    return res;
  }

  /** Navigates to `target`, following redirects; the last response. */
  async open(
    target: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response> {
    let res = await this.request(target, init);
    let at = target;
    for (let hops = 0; hops < 10 && res.status >= 301 && res.status <= 308; hops++) {
      at = new URL(res.headers.get("location")!, at).href;
      res = await this.request(at);
    }
    return res;
  }

  /** Posts a form from a page of `origin` (a browser sends its Origin). */
  submit(action: string, fields: Record<string, string>): Promise<Response> {
    return this.open(action, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: new URL(action).origin },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async signInOnAdmin(): Promise<void> {
    const res = await this.submit(`http://${ADMIN}/auth/login`, { username: "admin", password: PASSWORD });
    expect(this.cookie(ADMIN, "fazt_session")).toBeDefined();
    await res.body?.cancel();
  }
}

/** A hidden field of a page's form, unescaped. */
function field(html: string, name: string): string | undefined {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  return raw?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

const sessionId = (b: Browser, host: string) => sha256Hex(b.cookie(host, "fazt_session")!.value);
const sessionRow = (id: string) =>
  s.store.sqlite
    .query<{ parent_id: string | null; user_id: string }, [string]>(
      "SELECT parent_id, user_id FROM sessions WHERE id = ?",
    )
    .get(id);
const pendingCodes = () =>
  s.store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM auth_handoffs").get()!.n;

/**
 * Signs `b` in on the admin host, then walks blog's sign-in up to the point
 * where the admin host hands back a code: the handoff URL, not yet opened.
 */
async function handoffUrl(b: Browser, host = BLOG, path = "/private/x.html"): Promise<string> {
  if (!b.cookie(ADMIN, "fazt_session")) await b.signInOnAdmin();
  const hop = await b.request(`http://${host}/auth/login?redirect=${encodeURIComponent(path)}`);
  expect(hop.status).toBe(302);
  const there = await b.request(hop.headers.get("location")!);
  expect(there.status).toBe(302);
  const location = there.headers.get("location")!;
  expect(location).toStartWith(`http://${host}/auth/handoff?code=`);
  return location;
}

describe("the handoff", () => {
  test("signed in on the admin host, an app's private page opens with no second form", async () => {
    const b = new Browser();
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
    const b = new Browser();
    await b.signInOnAdmin();
    const res = await b.open(`http://${DOCS}/api/me`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "admin", logout: "/auth/logout" });
    const logout = await b.open(`http://${DOCS}/auth/logout`);
    expect(logout.status).toBe(200);
    expect(await logout.text()).toContain('<form method="post" action="/auth/logout">');
  });

  test("not signed in anywhere: the admin host's form, then back to the page", async () => {
    const b = new Browser();
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
    const page = await b.submit(`http://${ADMIN}/auth/login`, {
      username: "admin",
      password: PASSWORD,
      redirect,
      state,
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<p>blog secret</p>");
    expect(b.cookie(ADMIN, "fazt_session")).toBeDefined();
    // And now another app opens without a form.
    const docs = await b.open(`http://${DOCS}/private/y.html`);
    expect(await docs.text()).toBe("<p>docs secret</p>");
  });

  test("an admin URL typed without the app host's state goes to that host first, then comes back", async () => {
    const b = new Browser();
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
    const b = new Browser();
    const url = await handoffUrl(b);
    const first = await b.request(url);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/private/x.html");
    expect(first.headers.get("referrer-policy")).toBe("no-referrer");
    expect(first.headers.get("cache-control")).toBe("no-store");
    const sessions = s.store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()!.n;
    const second = await b.request(url);
    expect(second.status).toBe(400);
    expect(second.headers.get("set-cookie")).toBeNull();
    expect(await second.text()).toContain("already used");
    expect(s.store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM sessions").get()!.n).toBe(
      sessions,
    );
  });

  test("two requests with one code at once: exactly one session", async () => {
    const b = new Browser();
    const url = await handoffUrl(b);
    const results = await Promise.all(Array.from({ length: 10 }, () => b.request(url)));
    expect(results.filter((r) => r.status === 302)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(9);
  });

  test("a code replayed on another host is refused, and spent", async () => {
    const b = new Browser();
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
    const attacker = new Browser();
    const url = await handoffUrl(attacker);
    const victim = new Browser();
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
    const b = new Browser();
    const url = await handoffUrl(b);
    const row = s.store.sqlite.query<{ e: number }, []>("SELECT expires_at AS e FROM auth_handoffs").get()!;
    expect(row.e - Date.now()).toBeGreaterThan(55_000);
    expect(row.e - Date.now()).toBeLessThanOrEqual(60_000);
    s.store.sqlite.query("UPDATE auth_handoffs SET expires_at = ?").run(Date.now() - 1);
    const res = await b.request(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("expired");
    expect(b.cookie(BLOG, "fazt_session")).toBeUndefined();
  });

  test("the database keeps only a hash of each code", async () => {
    const b = new Browser();
    const url = await handoffUrl(b);
    const code = new URL(url).searchParams.get("code")!;
    const dump = JSON.stringify(s.store.sqlite.query("SELECT * FROM auth_handoffs").all());
    expect(dump).not.toContain(code);
    expect(dump).toContain(BLOG);
    await b.request(url);
  });

  test("a code whose sign-in has ended since is refused", async () => {
    const b = new Browser();
    const url = await handoffUrl(b);
    const out = await b.submit(`http://${ADMIN}/auth/logout`, {});
    await out.body?.cancel();
    const res = await b.request(url);
    expect(res.status).toBe(400);
    expect(b.cookie(BLOG, "fazt_session")).toBeUndefined();
  });

  test("a page spamming the admin host keeps at most 10 codes per sign-in", async () => {
    s.store.sqlite.query("DELETE FROM auth_handoffs").run();
    const b = new Browser();
    await b.signInOnAdmin();
    await b.request(`http://${BLOG}/auth/login`);
    const state = b.cookie(BLOG, "fazt_handoff")!.value;
    const target = encodeURIComponent(`http://${BLOG}/`);
    for (let i = 0; i < 25; i++) {
      const res = await b.request(`http://${ADMIN}/auth/login?redirect=${target}&state=${state}`);
      expect(res.status).toBe(302);
    }
    expect(pendingCodes()).toBe(10);
    s.store.sqlite.query("DELETE FROM auth_handoffs").run();
  });
});

describe("where a sign-in may be handed", () => {
  test("a redirect to another host from an app host's sign-in falls back to that host's /", async () => {
    const b = new Browser();
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
    const b = new Browser();
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
    const b = new Browser();
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
    const b = new Browser();
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
    const b = new Browser();
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
    const b = new Browser();
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
    const b = new Browser();
    await b.signInOnAdmin();
    await b.open(`http://${BLOG}/private/x.html`);
    const day = 24 * 3600 * 1000;
    const parent = sessionId(b, ADMIN);
    s.store.sqlite
      .query("UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id IN (?, ?)")
      .run(Date.now() - 2 * day, Date.now() + day, parent, sessionId(b, BLOG));
    expect((await b.open(`http://${BLOG}/private/x.html`)).status).toBe(200);
    const e = s.store.sqlite
      .query<{ e: number }, [string]>("SELECT expires_at AS e FROM sessions WHERE id = ?")
      .get(parent)!.e;
    expect(e).toBeGreaterThan(Date.now() + 29 * day);
  });
});
