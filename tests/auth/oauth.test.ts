import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import * as oauth from "oauth4webapi";
import { microsoft } from "../../src/auth/oauth/microsoft.ts";
import { hashPassword } from "../../src/auth/passwords.ts";
import { writeConfig } from "../../src/db/config.ts";
import { fazt } from "../helpers/cli.ts";
import { type FakeProvider, startFakeProvider } from "../helpers/oauth-provider.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

setDefaultTimeout(20_000);

let srv: TestServer;
let idp: FakeProvider;
let apex: string;

const ALL = ["google", "microsoft", "oidc", "github", "discord"] as const;
type Name = (typeof ALL)[number];

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return srv.request(path, {
    method,
    headers: { authorization: `Bearer ${srv.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function endpointsFor(name: Name): Record<string, string> {
  const i = idp.issuer;
  if (name === "github")
    return { authorizeUrl: `${i}/authorize`, tokenUrl: `${i}/token`, userinfoUrl: `${i}/user` };
  if (name === "discord") {
    return { authorizeUrl: `${i}/authorize`, tokenUrl: `${i}/token`, userinfoUrl: `${i}/users/@me` };
  }
  return { issuer: i };
}

async function configure(name: Name): Promise<void> {
  const res = await api("PUT", `/api/auth/providers/${name}`, {
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    ...endpointsFor(name),
    enabled: true,
  });
  expect(res.status).toBe(200);
  idp.redirectUris.add(`${apex}/auth/callback/${name}`);
}

const cookieOf = (res: Response) =>
  /fazt_session=[a-z2-7]+/.exec(res.headers.get("set-cookie") ?? "")?.[0] ?? null;

/** The state cookie each started sign-in left in its "browser", by callback URL. */
const stateCookies = new WeakMap<URL, string>();
const stateCookieOf = (res: Response) =>
  /fazt_oauth_state=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0] ?? null;

/**
 * GET /auth/login/P on `host` (a start on another host first hops to the apex,
 * where the state cookie is set) → the provider's /authorize → back at our
 * callback URL (not yet followed).
 */
async function toCallback(name: string, opts: { redirect?: string; host?: string } = {}): Promise<URL> {
  const q = opts.redirect === undefined ? "" : `?redirect=${encodeURIComponent(opts.redirect)}`;
  let start = await srv.request(`/auth/login/${name}${q}`, { host: opts.host ?? `localhost:${srv.port}` });
  expect(start.status).toBe(302);
  let authorize = new URL(start.headers.get("location")!);
  if (authorize.origin === apex) {
    expect(stateCookieOf(start)).toBeNull();
    start = await srv.request(`${authorize.pathname}${authorize.search}`, { host: authorize.host });
    expect(start.status).toBe(302);
    authorize = new URL(start.headers.get("location")!);
  }
  expect(authorize.origin).toBe(idp.issuer);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("redirect_uri")).toBe(`${apex}/auth/callback/${name}`);
  const cookie = stateCookieOf(start);
  expect(cookie).not.toBeNull();
  const consent = await fetch(authorize, { redirect: "manual" });
  expect(consent.status).toBe(302);
  const back = new URL(consent.headers.get("location")!);
  expect(`${back.origin}${back.pathname}`).toBe(`${apex}/auth/callback/${name}`);
  stateCookies.set(back, cookie!);
  return back;
}

/** The browser returning to the callback, with the state cookie its start left (or `cookie`). */
const follow = (back: URL, cookie = stateCookies.get(back)) =>
  srv.request(`${back.pathname}${back.search}`, { host: back.host, headers: cookie ? { cookie } : {} });

/** The full round trip; answers the callback's response. */
async function signIn(name: string, opts: { redirect?: string; host?: string } = {}): Promise<Response> {
  return follow(await toCallback(name, opts));
}

async function sessionUser(cookie: string): Promise<Record<string, unknown> | null> {
  const res = await srv.request("/auth/session", { headers: { cookie } });
  return ((await res.json()) as { data: { user: Record<string, unknown> | null } }).data.user;
}

async function expectSignedIn(res: Response): Promise<Record<string, unknown>> {
  expect(res.status).toBe(302);
  const cookie = cookieOf(res);
  expect(cookie).not.toBeNull();
  const user = await sessionUser(cookie!);
  expect(user).not.toBeNull();
  return user!;
}

let counter = 100;
const freshUser = (over: Partial<FakeProvider["user"]> = {}) => {
  counter++;
  idp.user = {
    sub: String(counter),
    email: `u${counter}@example.com`,
    email_verified: true,
    name: `U ${counter}`,
    ...over,
  };
  return idp.user;
};

beforeAll(async () => {
  idp = await startFakeProvider();
  // Loopback is a trusted proxy here, so `X-Forwarded-For` stands for distinct clients.
  srv = await startTestServer({ config: { trustedProxies: ["127.0.0.1"] } });
  // The callback is built from the stored port; make it the one this test server listens on.
  writeConfig(srv.store, { port: srv.port });
  srv.ctx.reloadConfig();
  apex = `http://localhost:${srv.port}`;
  for (const name of ALL) await configure(name);
});

afterAll(async () => {
  await srv?.stop();
  await idp?.stop();
});

describe("OAuth round trip", () => {
  for (const name of ALL) {
    test(`${name}: login → provider → callback → session`, async () => {
      const who = freshUser();
      const res = await signIn(name, { redirect: "/after" });
      expect(res.headers.get("location")).toBe(`${apex}/after`);
      expect(res.headers.get("set-cookie")).toContain("HttpOnly");
      const user = await expectSignedIn(res);
      expect(user.email).toBe(who.email);
      expect(user.role).toBe("user");
      expect(user.name).toBe(who.name);
      const identity = srv.store.engine.get<{ provider_user_id: string }>(
        "SELECT provider_user_id FROM identities WHERE user_id = ? AND provider = ?",
        [user.id as string, name],
      );
      expect(identity?.provider_user_id).toBe(who.sub);
    });
  }

  test("the sign-in page offers every enabled provider", async () => {
    const html = await (await srv.request("/auth/login")).text();
    for (const name of ALL) expect(html).toContain(`/auth/login/${name}?`);
  });

  test("OIDC: an ID token not signed by the issuer's key is refused", async () => {
    freshUser();
    idp.badSignature = true;
    try {
      const res = await signIn("oidc");
      expect(res.status).toBe(400);
      expect(cookieOf(res)).toBeNull();
      const line = srv.logs.findLast((l) => l.msg === "oauth sign-in failed");
      expect(String(line?.error)).toMatch(/signature/i);
    } finally {
      idp.badSignature = false;
    }
  });

  test("an unknown or disabled provider is a 404", async () => {
    expect((await srv.request("/auth/login/facebook")).status).toBe(404);
    expect((await api("PUT", "/api/auth/providers/discord", { enabled: false })).status).toBe(200);
    try {
      expect((await srv.request("/auth/login/discord")).status).toBe(404);
      expect(await (await srv.request("/auth/login")).text()).not.toContain("/auth/login/discord");
    } finally {
      await api("PUT", "/api/auth/providers/discord", { enabled: true });
    }
  });
});

describe("state, PKCE and redirects", () => {
  test("a replayed callback (same state twice) fails the second time", async () => {
    freshUser();
    const back = await toCallback("google");
    await expectSignedIn(await follow(back));
    const again = await follow(back);
    expect(again.status).toBe(400);
    expect(cookieOf(again)).toBeNull();
    expect(again.headers.get("content-type")).toContain("text/html");
  });

  test("the same callback sent twice at once signs in exactly once", async () => {
    freshUser();
    const back = await toCallback("oidc");
    const answers = await Promise.all(Array.from({ length: 10 }, () => follow(back)));
    expect(answers.filter((r) => r.status === 302).length).toBe(1);
    expect(answers.filter((r) => r.status === 400).length).toBe(9);
  });

  test("a tampered state fails and the provider is never asked for a token", async () => {
    freshUser();
    const back = await toCallback("github");
    const tokenCalls = idp.seen.filter((s) => s === "POST /token").length;
    back.searchParams.set("state", `${back.searchParams.get("state")}x`);
    const res = await follow(back);
    expect(res.status).toBe(400);
    expect(cookieOf(res)).toBeNull();
    expect(idp.seen.filter((s) => s === "POST /token").length).toBe(tokenCalls);
    back.searchParams.delete("state");
    expect((await follow(back)).status).toBe(400);
  });

  test("a state started for one provider does not finish another", async () => {
    freshUser();
    const back = await toCallback("google");
    const res = await srv.request(`/auth/callback/oidc${back.search}`, { host: back.host });
    expect(res.status).toBe(400);
    // …and it was consumed: it cannot be used for google any more either.
    expect((await follow(back)).status).toBe(400);
  });

  test("an expired state fails", async () => {
    freshUser();
    const back = await toCallback("oidc");
    srv.store.engine.run("UPDATE oauth_states SET expires_at = ?", [Date.now() - 1]);
    expect((await follow(back)).status).toBe(400);
  });

  test("the database keeps only the state's hash", async () => {
    freshUser();
    const back = await toCallback("google");
    const state = back.searchParams.get("state")!;
    const dump = JSON.stringify(srv.store.engine.all("SELECT * FROM oauth_states"));
    expect(dump).not.toContain(state);
    await follow(back);
  });

  test("a wrong PKCE verifier is refused by the provider and the sign-in fails", async () => {
    freshUser();
    const back = await toCallback("discord");
    srv.store.engine.run("UPDATE oauth_states SET code_verifier = ?", ["x".repeat(43)]);
    const res = await follow(back);
    expect(res.status).toBe(400);
    expect(idp.tokenErrors.at(-1)).toBe("PKCE verifier does not match");
  });

  test("an error callback (the user said no) is a 400 page", async () => {
    idp.denyNext = true;
    const back = await toCallback("google");
    expect(back.searchParams.get("error")).toBe("access_denied");
    const res = await follow(back);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("Google did not sign you in (access_denied)");
    expect(cookieOf(res)).toBeNull();
    // A provider's error without any state is refused the same way.
    const bare = await srv.request("/auth/callback/google?error=%3Cscript%3E", { host: back.host });
    expect(bare.status).toBe(400);
    expect(await bare.text()).not.toContain("<script>");
  });

  test("an off-domain redirect ends at /", async () => {
    freshUser();
    for (const bad of ["https://evil.example/", "//evil.example/x", "http://localhost.evil.example/"]) {
      const res = await signIn("oidc", { redirect: bad });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${apex}/`);
    }
  });

  test("a redirect to a subdomain is kept; a path stays on the host the sign-in started from", async () => {
    freshUser();
    const target = `http://blog.localhost:${srv.port}/x?y=1`;
    const res = await signIn("google", { redirect: target });
    expect(res.headers.get("location")).toBe(target);
    const fromApp = await signIn("google", { redirect: "/inbox", host: `mail.localhost:${srv.port}` });
    expect(fromApp.headers.get("location")).toBe(`http://mail.localhost:${srv.port}/inbox`);
  });

  test("a provider sign-in for an app host's page ends signed in on that host (the callback hands off)", async () => {
    freshUser();
    const blog = `blog.localhost:${srv.port}`;
    const hop = await srv.request("/auth/login?redirect=/x", { host: blog });
    const state = /fazt_handoff=([a-z2-7]+)/.exec(hop.headers.get("set-cookie") ?? "")![1]!;
    const admin = new URL(hop.headers.get("location")!);
    const page = await srv.request(`${admin.pathname}${admin.search}`, { host: admin.host });
    const href = /href="(\/auth\/login\/google\?redirect=[^"]+)"/
      .exec(await page.text())![1]!
      .replace(/&#38;/g, "&");
    const redirect = new URL(href, admin).searchParams.get("redirect")!;
    const res = await signIn("google", { redirect, host: admin.host });
    expect(res.status).toBe(302);
    const handoff = new URL(res.headers.get("location")!);
    expect(`${handoff.host}${handoff.pathname}`).toBe(`${blog}/auth/handoff`);
    expect(cookieOf(res)).not.toBeNull();
    const done = await srv.request(`${handoff.pathname}${handoff.search}`, {
      host: blog,
      headers: { cookie: `fazt_handoff=${state}` },
    });
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe("/x");
    expect(await sessionUser(cookieOf(done)!)).toMatchObject({ email: idp.user.email });
  });
});

describe("binding to the browser, and floods", () => {
  test("the state is also kept in a short-lived host-only cookie under /auth", async () => {
    const start = await srv.request("/auth/login/google", { host: `localhost:${srv.port}` });
    const set = start.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/^fazt_oauth_state=[A-Za-z0-9_-]{20,}; /);
    expect(set).toContain("Path=/auth");
    expect(set).toContain("HttpOnly");
    expect(set).toContain("SameSite=Lax");
    expect(set).toContain("Max-Age=600");
    expect(set).not.toContain("Domain=");
    expect(set).not.toContain("Secure"); // plain http here; over https it is Secure
    const state = new URL(start.headers.get("location")!).searchParams.get("state");
    expect(set).toContain(`fazt_oauth_state=${state};`);
  });

  test("a start on another host hops to the apex first, where the cookie is set", async () => {
    const start = await srv.request("/auth/login/google?redirect=/inbox", {
      host: `mail.localhost:${srv.port}`,
    });
    expect(start.status).toBe(302);
    expect(start.headers.get("set-cookie")).toBeNull();
    const hop = new URL(start.headers.get("location")!);
    expect(hop.origin).toBe(apex);
    expect(hop.pathname).toBe("/auth/login/google");
    expect(hop.searchParams.get("redirect")).toBe(`http://mail.localhost:${srv.port}/inbox`);
    // An unknown provider is a 404 on the first host, not after a hop.
    expect((await srv.request("/auth/login/nope", { host: `mail.localhost:${srv.port}` })).status).toBe(404);
  });

  test("a callback without the starting browser's cookie is refused, and the state is spent (login CSRF)", async () => {
    // The attacker runs a sign-in with their own account and plants the callback link on the victim.
    freshUser();
    const planted = await toCallback("google");
    const victim = await follow(planted, "");
    expect(victim.status).toBe(400);
    expect(victim.headers.get("content-type")).toContain("text/html");
    expect(await victim.text()).toContain("not started in this browser");
    expect(cookieOf(victim)).toBeNull();
    // Spent: not even the attacker's own browser can finish it now.
    expect((await follow(planted)).status).toBe(400);

    // A victim who has a sign-in of their own in progress holds a different state: refused too.
    freshUser();
    const attackers = await toCallback("oidc");
    const ownStart = await srv.request("/auth/login/oidc", { host: `localhost:${srv.port}` });
    const ownCookie = stateCookieOf(ownStart)!;
    const res = await follow(attackers, ownCookie);
    expect(res.status).toBe(400);
    expect(cookieOf(res)).toBeNull();
    expect(res.headers.get("set-cookie")).toContain("fazt_oauth_state=; Path=/auth");
  });

  test("a finished sign-in clears the state cookie", async () => {
    freshUser();
    const res = await signIn("github");
    await expectSignedIn(res);
    expect(res.headers.get("set-cookie")).toMatch(
      /fazt_oauth_state=; Path=\/auth; HttpOnly; SameSite=Lax; Max-Age=0/,
    );
  });

  test("10,000 anonymous starts from one client keep 10 pending and never block another client's sign-in", async () => {
    const flood = { "x-forwarded-for": "203.0.113.7" };
    const starts = 10_000;
    for (let sent = 0; sent < starts; sent += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, () =>
          srv.request("/auth/login/github", { host: `localhost:${srv.port}`, headers: flood }),
        ),
      );
      for (const res of batch) expect(res.status).toBe(302);
    }
    // The latest start comes alone, after the flood: a batch's last response is
    // not its last insert, and starts sharing a millisecond are evicted by hash
    // order (src/auth/oauth/states.ts), so only a start made last is surely kept.
    const last = await srv.request("/auth/login/github", { host: `localhost:${srv.port}`, headers: flood });
    expect(last.status).toBe(302);
    const pendingOf = (ip: string) =>
      srv.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM oauth_states WHERE ip = ?", [ip])!.n;
    expect(pendingOf("203.0.113.7")).toBe(10);
    const total = srv.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM oauth_states")!.n;
    expect(total).toBeLessThan(100);

    // Another client starts and finishes a sign-in as usual.
    const who = freshUser();
    const start = await srv.request("/auth/login/github", {
      host: `localhost:${srv.port}`,
      headers: { "x-forwarded-for": "198.51.100.9" },
    });
    expect(start.status).toBe(302);
    const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const user = await expectSignedIn(await follow(back, stateCookieOf(start)!));
    expect(user.email).toBe(who.email);
    // The flooding client's own latest start still works: only its oldest were evicted.
    freshUser();
    const consent2 = await fetch(last.headers.get("location")!, { redirect: "manual" });
    const back2 = new URL(consent2.headers.get("location")!);
    await expectSignedIn(await follow(back2, stateCookieOf(last)!));
  }, 180_000);

  test("IPv6 starts are counted per /64", async () => {
    for (let i = 1; i <= 25; i++) {
      const res = await srv.request("/auth/login/github", {
        host: `localhost:${srv.port}`,
        headers: { "x-forwarded-for": `2001:db8:1:2::${i.toString(16)}` },
      });
      expect(res.status).toBe(302);
    }
    const rows = srv.store.engine.all<{ ip: string; n: number }>(
      "SELECT ip, count(*) AS n FROM oauth_states WHERE ip LIKE '2001:db8:%' GROUP BY ip",
    );
    expect(rows).toEqual([{ ip: "2001:db8:1:2::/64", n: 10 }]);
  });
});

describe("user matching", () => {
  test("the same provider account twice is the same user", async () => {
    freshUser();
    const a = await expectSignedIn(await signIn("discord"));
    const b = await expectSignedIn(await signIn("discord"));
    expect(b.id).toBe(a.id);
  });

  test("an email match alone never joins accounts: an invitee's unverified address is not merged with its real owner", async () => {
    // The invitee picked victim@corp.example when redeeming an invite: nobody verified it.
    const invite = await (await api("POST", "/api/invites", {})).json();
    const code = (invite as { data: { code: string } }).data.code;
    const redeemed = await srv.request(`/auth/invite/${code}`, {
      method: "POST",
      host: `localhost:${srv.port}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "victim@corp.example", password: "invitee-password-1" }),
    });
    expect(redeemed.status).toBe(201);
    const invitee = ((await redeemed.json()) as { data: { user: { id: string } } }).data.user;
    const identitiesOf = (id: string) =>
      srv.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM identities WHERE user_id = ?", [id])!.n;

    // The address's real owner signs in with GitHub (verified there): refused with a page, nothing linked.
    freshUser({ email: "Victim@corp.example", email_verified: true });
    const res = await signIn("github");
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("never joined by email alone");
    expect(cookieOf(res)).toBeNull();
    expect(identitiesOf(invitee.id)).toBe(0);
    // Nor does any other provider join them.
    freshUser({ email: "victim@corp.example", email_verified: true });
    expect((await signIn("google")).status).toBe(409);
    expect(identitiesOf(invitee.id)).toBe(0);
    // The invitee's own sign-in still works and is still theirs alone.
    const own = await srv.request("/api/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "victim@corp.example", password: "invitee-password-1" }),
    });
    expect(((await own.json()) as { data: { user: { id: string } } }).data.user.id).toBe(invitee.id);
  });

  test("an identity joins only the user it signed in as before; an unverified email makes a new user", async () => {
    const now = Date.now();
    srv.store.engine.run(
      "INSERT INTO users (id, username, email, name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, 'user', ?, ?, ?)",
      ["usr_pat", "pat", "pat@example.com", "Pat", await hashPassword("pat-password-123"), now, now],
    );

    freshUser({ email: "PAT@example.com", email_verified: false });
    const stranger = await expectSignedIn(await signIn("oidc"));
    expect(stranger.id).not.toBe("usr_pat");
    expect(stranger.email).toBeNull();

    // A verified match on a user that never used this account: refused, not linked.
    freshUser({ email: "pat@example.com", email_verified: true });
    expect((await signIn("google")).status).toBe(409);

    // A user made by one provider is not joined by another provider's same verified address.
    const first = freshUser({ email: "sam@example.com", email_verified: true });
    const sam = await expectSignedIn(await signIn("discord"));
    freshUser({ email: "sam@example.com", email_verified: true });
    expect((await signIn("google")).status).toBe(409);
    // …while the account it was made with keeps signing in as it.
    idp.user = first;
    expect((await expectSignedIn(await signIn("discord"))).id).toBe(sam.id);
    const ids = srv.store.engine.get<{ n: number }>(
      "SELECT count(*) AS n FROM identities WHERE user_id = 'usr_pat'",
    )!.n;
    expect(ids).toBe(0);
  });

  test("Microsoft: the email counts as unverified without email_verified", async () => {
    freshUser({ email: "ms@example.com", email_verified: false });
    const u = await expectSignedIn(await signIn("microsoft"));
    expect(u.email).toBeNull();
  });

  test("GitHub: a private email comes from /user/emails (primary, verified)", async () => {
    const who = freshUser({ privateEmail: true });
    const user = await expectSignedIn(await signIn("github"));
    expect(user.email).toBe(who.email);
    expect(idp.seen).toContain("GET /user/emails");
  });

  test("GitHub: an unverified primary email is not used as verified", async () => {
    freshUser({ privateEmail: true, email_verified: false });
    const user = await expectSignedIn(await signIn("github"));
    // The only verified address in the list is the noreply one, which is not primary.
    expect(user.email).toBeNull();
  });
});

describe("Microsoft multi-tenant issuers", () => {
  test("the {tenantid} template is accepted from discovery and filled from the token's tid", () => {
    const common = "https://login.microsoftonline.com/common/v2.0";
    const template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
    if (microsoft.kind !== "oidc") throw new Error("microsoft is OIDC");
    expect(microsoft.discoveredIssuer?.(common, template)).toBe(template);
    expect(
      microsoft.discoveredIssuer?.(common, `https://login.microsoftonline.com/${tid}/v2.0`),
    ).toBeDefined();
    expect(microsoft.discoveredIssuer?.(common, "https://evil.example/{tenantid}/v2.0")).toBeUndefined();
    expect(
      microsoft.discoveredIssuer?.(`https://login.microsoftonline.com/${tid}/v2.0`, template),
    ).toBeUndefined();
    expect(microsoft.tokenIssuer?.(template, { tid })).toBe(`https://login.microsoftonline.com/${tid}/v2.0`);
    expect(microsoft.tokenIssuer?.(template, { tid: "../x" })).toBe(template);
    // The oauth4webapi hook the template relies on is still there (pinned version).
    expect(typeof (oauth as unknown as Record<string, unknown>)._expectedIssuer).toBe("symbol");
  });
});

describe("provider settings", () => {
  test("GET /api/auth/providers never shows a secret", async () => {
    const res = await api("GET", "/api/auth/providers");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(idp.clientSecret);
    const list = (JSON.parse(text) as { data: Array<Record<string, unknown>> }).data;
    const google = list.find((p) => p.name === "google")!;
    expect(google.clientSecretSet).toBe(true);
    expect(google.clientSecret).toBeUndefined();
    expect(google.callbackUrl).toBe(`${apex}/auth/callback/google`);
    expect(list.map((p) => p.name).sort()).toEqual([...ALL].sort());
  });

  test("plain http:// is accepted on loopback only", async () => {
    for (const url of ["http://idp.example.com", "http://10.0.0.1/token", "ftp://127.0.0.1/", "not a url"]) {
      const res = await api("PUT", "/api/auth/providers/github", { tokenUrl: url });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("tokenUrl");
    }
    for (const url of [
      "http://localhost:1/x",
      "http://[::1]:1/x",
      "https://ghe.example.com/login/oauth/access_token",
    ]) {
      const res = await api("PUT", "/api/auth/providers/oidc", { authorizeUrl: url });
      expect(res.status).toBe(200);
    }
    await api("PUT", "/api/auth/providers/oidc", { authorizeUrl: null });
  });

  test("bad input is refused naming the field", async () => {
    const cases: Array<[string, unknown]> = [
      ["/api/auth/providers/google", { clientId: "x", extra: 1 }],
      ["/api/auth/providers/google", { enabled: "yes" }],
      ["/api/auth/providers/github", { issuer: idp.issuer }],
      ["/api/auth/providers/oidc", { clientSecret: "" }],
    ];
    for (const [path, body] of cases) expect((await api("PUT", path, body)).status).toBe(400);
    expect(
      (await api("PUT", "/api/auth/providers/facebook", { clientId: "x", clientSecret: "y" })).status,
    ).toBe(404);
    const fresh = await startTestServer();
    try {
      const res = await fresh.request("/api/auth/providers/google", {
        method: "PUT",
        headers: { authorization: `Bearer ${fresh.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ enabled: true }),
      });
      expect(res.status).toBe(400);
      const oidc = await fresh.request("/api/auth/providers/oidc", {
        method: "PUT",
        headers: { authorization: `Bearer ${fresh.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ clientId: "a", clientSecret: "b", enabled: true }),
      });
      expect(oidc.status).toBe(400);
      // A provider that cannot be reached: a 502 page, nothing stored.
      const down = await fresh.request("/api/auth/providers/oidc", {
        method: "PUT",
        headers: { authorization: `Bearer ${fresh.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({
          clientId: "a",
          clientSecret: "b",
          issuer: "http://127.0.0.1:1",
          enabled: true,
        }),
      });
      expect(down.status).toBe(200);
      const start = await fresh.request("/auth/login/oidc");
      expect(start.status).toBe(502);
      expect(start.headers.get("content-type")).toContain("text/html");
      expect(fresh.store.engine.all("SELECT * FROM oauth_states")).toEqual([]);
      expect((await fresh.request("/api/auth/providers")).status).toBe(401);
    } finally {
      await fresh.stop();
    }
  });

  test("a user-role session cannot read or change providers", async () => {
    freshUser();
    const cookie = cookieOf(await signIn("google"))!;
    const res = await srv.request("/api/auth/providers", { headers: { cookie } });
    expect(res.status).toBe(403);
  });

  test("no secret in any log line", () => {
    const logs = JSON.stringify(srv.logs);
    expect(logs).not.toContain(idp.clientSecret);
    expect(logs).not.toContain("code_verifier");
  });
});

describe("CLI", () => {
  test("auth provider / auth providers through the peer client never print the secret", async () => {
    // The CLI targets its local instance: point a HOME's database at this server's file.
    const { tempDir } = await import("../helpers/temp.ts");
    const home = tempDir();
    const db = srv.store.path;
    const env = { FAZT_DB: db };
    const set = await fazt(
      [
        "--db",
        db,
        "auth",
        "provider",
        "github",
        "--client-id",
        "cli-client",
        "--client-secret",
        "cli-secret-never-printed",
        "--authorize-url",
        `${idp.issuer}/authorize`,
        "--enable",
        "--format",
        "json",
      ],
      { home, env },
    );
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    const shown = (JSON.parse(set.stdout) as { data: Record<string, unknown> }).data;
    expect(shown.clientId).toBe("cli-client");
    expect(shown.clientSecretSet).toBe(true);
    expect(set.stdout).not.toContain("cli-secret-never-printed");

    const list = await fazt(["--db", db, "auth", "providers"], { home, env });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("github");
    expect(list.stdout).toContain("cli-client");
    expect(list.stdout).not.toContain("cli-secret-never-printed");
    expect(list.stdout).not.toContain(idp.clientSecret);

    const bad = await fazt(
      ["--db", db, "auth", "provider", "github", "--token-url", "http://idp.example.com/token"],
      { home, env },
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("tokenUrl");

    const both = await fazt(["--db", db, "auth", "provider", "github", "--enable", "--disable"], {
      home,
      env,
    });
    expect(both.code).toBe(2);

    // Put the test's own client back for the other tests.
    await configure("github");
  });
});
