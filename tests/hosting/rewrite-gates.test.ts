/**
 * A 200 rewrite is served as if its target had been requested: a target
 * under /private passes the sign-in gate, a target under /api reaches the
 * app's handler, no path ever serves a file of api/, and paths with a
 * segment starting with "." are not found (except under /.well-known/).
 * Over real HTTP, raw sockets for the percent-encoded forms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSession } from "../../src/auth/sessions.ts";
import { newId } from "../../src/core/ids.ts";
import { deployFiles, deployZip } from "../helpers/deploy.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { makeZip } from "../helpers/zip.ts";

const SECRET = "TOP-SECRET-private-file";
const SOURCE = "SOURCE-MARKER-of-app-code";

const HANDLER = `
// ${SOURCE}
export default async function (req, ctx) {
  const url = new URL(req.url);
  const body = req.method === "GET" || req.method === "HEAD" ? null : await req.text();
  return { path: url.pathname, query: url.search, method: req.method, body, user: ctx.user ? ctx.user.name : null };
}
`;

const REDIRECTS = `
/files/*        /:splat              200
/static/*       /:splat              200
/hello          /api/hello           200
/deep/*         /api/:splat          200
/secret         /private/secret.txt  200
/hidden-secret  /private/secret.txt  404
/env            /.env                200
/forced-api     /api/forced?from=rule 200!
`;

const SITE: Record<string, string> = {
  "index.html": "<h1>home</h1>",
  "forced-api.html": "<h1>a file the forced rule shadows</h1>",
  "private/secret.txt": SECRET,
  "api/main.js": HANDLER,
  "api/helper.js": `export const marker = "${SOURCE}";`,
  ".env": `API_TOKEN=${SECRET}`,
  "a/.git/config": `[core] ${SECRET}`,
  ".well-known/x": "well-known content",
  ".well-known/security.txt": "Contact: mailto:security@example.org",
  "404.html": "<h1>rw's own 404</h1>",
  _redirects: REDIRECTS,
};

let s: TestServer;
let cookie: string;

const JSON_ACCEPT = { accept: "application/json" };
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

function get(host: string, path: string, init: RequestInit = {}): Promise<Response> {
  return s.request(path, { ...init, host: `${host}.localhost` });
}

beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "rw", SITE);
  // Same rules, no handler: a rewrite into /api finds nothing to run.
  await deployFiles(s, "noapi", {
    "index.html": "<h1>no api</h1>",
    "api/helper.js": `export const marker = "${SOURCE}";`,
    "api/data.json": `{"marker":"${SOURCE}"}`,
    _redirects: "/static/*  /:splat  200\n/files/*  /:splat  200\n",
  });
  await deployFiles(s, "spa", { "index.html": "<h1>spa shell</h1>", ".git/HEAD": SECRET }, { spa: true });
  const id = newId("usr");
  s.store.sqlite
    .query(
      "INSERT INTO users (id, username, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .run(id, "reader", "reader@example.com", "Reader", "user", Date.now(), Date.now());
  cookie = `fazt_session=${createSession(s.store, id).token}`;
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("a rewrite into /private passes the gate", () => {
  const paths = ["/files/private/secret.txt", "/secret", "/hidden-secret"];

  test("anonymous API clients get 401, never the file", async () => {
    for (const path of paths) {
      const res = await get("rw", path, { headers: JSON_ACCEPT });
      const text = await res.text();
      expect(`${path} → ${res.status}`).toBe(`${path} → 401`);
      expect(text).not.toContain(SECRET);
      expect(JSON.parse(text).error.code).toBe("UNAUTHORIZED");
    }
  });

  test("anonymous browsers are sent to sign in and back to the URL they asked for", async () => {
    const res = await get("rw", "/files/private/secret.txt?x=1", { headers: BROWSER });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!, "http://rw.localhost");
    expect(location.pathname).toBe("/auth/login");
    expect(location.searchParams.get("redirect")).toBe("/files/private/secret.txt?x=1");
    expect(await res.text()).not.toContain(SECRET);
  });

  test("a signed-in user gets the file (a 404 rule keeps its status)", async () => {
    for (const [path, status] of [
      ["/files/private/secret.txt", 200],
      ["/secret", 200],
      ["/hidden-secret", 404],
    ] as const) {
      const res = await get("rw", path, { headers: { cookie } });
      expect(`${path} → ${res.status}`).toBe(`${path} → ${status}`);
      expect(await res.text()).toBe(SECRET);
    }
  });
});

describe("no path serves a file of api/", () => {
  test("a rewrite onto api/ source reaches the handler, never the source", async () => {
    for (const path of ["/static/api/main.js", "/files/api/helper.js"]) {
      const res = await get("rw", path);
      const text = await res.text();
      expect(text).not.toContain(SOURCE);
      expect(res.status).toBe(200);
      expect(JSON.parse(text).path).toBe(path.replace(/^\/(static|files)/, ""));
    }
  });

  test("without a handler it is a JSON 404", async () => {
    for (const path of ["/static/api/helper.js", "/files/api/data.json", "/api/helper.js"]) {
      const res = await get("noapi", path);
      const text = await res.text();
      expect(`${path} → ${res.status}`).toBe(`${path} → 404`);
      expect(text).not.toContain(SOURCE);
      expect(JSON.parse(text).error.code).toBe("NOT_FOUND");
    }
  });
});

describe("a rewrite into /api reaches the handler", () => {
  test("with the target's path and the request's query", async () => {
    const res = await get("rw", "/hello?name=ada");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      path: "/api/hello",
      query: "?name=ada",
      method: "GET",
      body: null,
      user: null,
    });
    const deep = await get("rw", "/deep/users/42");
    expect(((await deep.json()) as { path: string }).path).toBe("/api/users/42");
  });

  test("a forced rule wins over a file, and its own query wins over the request's", async () => {
    const res = await get("rw", "/forced-api?ignored=1");
    expect(await res.json()).toMatchObject({ path: "/api/forced", query: "?from=rule" });
  });

  test("with the method, the body and the signed-in user", async () => {
    const res = await get("rw", "/hello", {
      method: "POST",
      headers: { cookie, "content-type": "text/plain" },
      body: "posted text",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      path: "/api/hello",
      query: "",
      method: "POST",
      body: "posted text",
      user: "Reader",
    });
  });

  test("other methods on paths no rule sends to /api are still 405", async () => {
    for (const path of ["/", "/secret", "/files/index.html"]) {
      const res = await get("rw", path, { method: "POST", body: "x" });
      expect(`${path} → ${res.status}`).toBe(`${path} → 405`);
    }
  });
});

describe("dot segments are not found, except under /.well-known/", () => {
  test("dot-files and dot-folders answer 404, also through a rewrite", async () => {
    for (const path of ["/.env", "/a/.git/config", "/env", "/files/.env", "/private/.env"]) {
      const res = await get("rw", path, { headers: { cookie } });
      const text = await res.text();
      expect(`${path} → ${res.status}`).toBe(`${path} → 404`);
      expect(text).not.toContain(SECRET);
    }
  });

  test("an SPA does not answer its shell for them", async () => {
    for (const path of ["/.git/HEAD", "/.git", "/.env"]) {
      const res = await get("spa", path);
      const text = await res.text();
      expect(`${path} → ${res.status}`).toBe(`${path} → 404`);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("spa shell");
    }
  });

  test("/.well-known/ is served", async () => {
    const res = await get("rw", "/.well-known/x");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("well-known content");
    expect(await (await get("rw", "/.well-known/security.txt")).text()).toContain("Contact:");
  });

  const encoded: Array<[string, number]> = [
    ["/%2eenv", 404],
    ["/%2Eenv", 404],
    ["/.%65nv", 404],
    ["/a/%2egit/config", 404],
    ["/a/%2Egit/config", 404],
    ["/files/%2eenv", 404],
    ["/.well-known/../.env", 404],
    ["/.well-known/%2e%2e/.env", 404],
    ["/%2ewell-known/x", 200],
  ];
  for (const [target, status] of encoded) {
    test(`${target} → ${status} (raw socket)`, async () => {
      const res = await rawRequest(s.port, target, { host: "rw.localhost" });
      expect(`${target} → ${res.status}`).toBe(`${target} → ${status}`);
      expect(res.body).not.toContain(SECRET);
    });
  }

  test("a zip that ships .env deploys, and .env is never served", async () => {
    const zip = makeZip([
      { name: "index.html", data: "<h1>zipped</h1>" },
      { name: ".env", data: `DB_PASSWORD=${SECRET}` },
      { name: "config/.htpasswd", data: `admin:${SECRET}` },
    ]);
    const res = await deployZip(s, "zipped", zip);
    expect(res.status).toBe(201);
    for (const path of ["/.env", "/config/.htpasswd"]) {
      const served = await get("zipped", path);
      expect(`${path} → ${served.status}`).toBe(`${path} → 404`);
      expect(await served.text()).not.toContain(SECRET);
    }
    expect(await (await get("zipped", "/")).text()).toBe("<h1>zipped</h1>");
  });
});
