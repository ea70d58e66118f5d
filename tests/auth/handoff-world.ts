import { expect } from "bun:test";
import { sha256Hex } from "../../src/core/crypto.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/** What the sign-in handoff tests share: a server with two apps, and a browser with a cookie jar per host. */

export const PASSWORD = "correct-horse-battery";

interface Cookie {
  value: string;
  path: string;
  raw: string;
}

/** A browser: cookies kept per host (host-only, as on localhost), redirects followed by hand. */
export class Browser {
  constructor(
    private readonly s: TestServer,
    private readonly admin: string,
  ) {}

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
    const res = await this.s.request(`${url.pathname}${url.search}`, {
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
    const res = await this.submit(`http://${this.admin}/auth/login`, {
      username: "admin",
      password: PASSWORD,
    });
    expect(this.cookie(this.admin, "fazt_session")).toBeDefined();
    await res.body?.cancel();
  }
}

/** A hidden field of a page's form, unescaped. */
export function field(html: string, name: string): string | undefined {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  return raw?.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

export interface World {
  s: TestServer;
  ADMIN: string;
  BLOG: string;
  DOCS: string;
  browser(): Browser;
  /** The id (token hash) of the session `b` holds on `host`. */
  sessionId(b: Browser, host: string): string;
  sessionRow(id: string): { parent_id: string | null; user_id: string } | null;
  pendingCodes(): number;
  /**
   * Signs `b` in on the admin host, then walks an app host's sign-in up to the
   * point where the admin host hands back a code: the handoff URL, not yet opened.
   */
  handoffUrl(b: Browser, host?: string, path?: string): Promise<string>;
}

/** A server with two apps: `blog` (a private page) and `docs` (a private page and app code that needs a sign-in). */
export async function startWorld(): Promise<World> {
  const s = await startTestServer({ password: PASSWORD });
  const ADMIN = `admin.localhost:${s.port}`;
  const BLOG = `blog.localhost:${s.port}`;
  const DOCS = `docs.localhost:${s.port}`;
  await deployFiles(s, "blog", { "index.html": "<h1>blog</h1>", "private/x.html": "<p>blog secret</p>" });
  await deployFiles(s, "docs", {
    "index.html": "<h1>docs</h1>",
    "private/y.html": "<p>docs secret</p>",
    "api/main.js": `export default (req) => { const u = fazt.auth.requireLogin(); return { name: u.name, logout: fazt.auth.getLogoutURL() }; };`,
  });
  return {
    s,
    ADMIN,
    BLOG,
    DOCS,
    browser: () => new Browser(s, ADMIN),
    sessionId: (b, host) => sha256Hex(b.cookie(host, "fazt_session")!.value),
    sessionRow: (id) =>
      s.store.engine.get<{ parent_id: string | null; user_id: string }>(
        "SELECT parent_id, user_id FROM sessions WHERE id = ?",
        [id],
      ),
    pendingCodes: () => s.store.engine.get<{ n: number }>("SELECT count(*) AS n FROM auth_handoffs")!.n,
    async handoffUrl(b, host = BLOG, path = "/private/x.html") {
      if (!b.cookie(ADMIN, "fazt_session")) await b.signInOnAdmin();
      const hop = await b.request(`http://${host}/auth/login?redirect=${encodeURIComponent(path)}`);
      expect(hop.status).toBe(302);
      const there = await b.request(hop.headers.get("location")!);
      expect(there.status).toBe(302);
      const location = there.headers.get("location")!;
      expect(location).toStartWith(`http://${host}/auth/handoff?code=`);
      return location;
    },
  };
}
