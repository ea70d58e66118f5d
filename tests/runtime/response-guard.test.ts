/**
 * What an app may not send or see, over real HTTP with app code in the real
 * runtime: cookies named fazt_* or carrying Domain, Clear-Site-Data, and
 * changes to nosniff / X-Request-Id / Strict-Transport-Security are dropped
 * (from app code and from `_headers`), each with a warning in the app's log;
 * statuses outside 200–599 become 500; a Fazt API key in `Authorization`
 * never reaches app code.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { LogLine } from "../../src/apps/logs.ts";
import { HSTS } from "../../src/web/hsts.ts";
import { compileHeaders } from "../../src/web/rules/index.ts";
import { apiJson, dataOf, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

setDefaultTimeout(60_000);

const MODULE = `
export default async function (req) {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/api/cookies":
      return new Response("ok", { headers: [
        ["set-cookie", "fazt_session=planted; Path=/; Domain=localhost"],
        ["set-cookie", "theme=dark; Path=/; HttpOnly"],
        ["set-cookie", "FAZT_x=1; Path=/"],
        ["set-cookie", "lang=en; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/"],
        ["set-cookie", "wide=1; Path=/; domain=.localhost"],
        ["set-cookie", "=fazt_session=nameless"],
      ] });
    case "/api/owned":
      return new Response("ok", { headers: {
        "x-content-type-options": "sniff-away",
        "x-request-id": "forged-by-app",
        "strict-transport-security": "max-age=0",
        "clear-site-data": '"*"',
        "referrer-policy": "no-referrer",
        "x-app": "kept",
      } });
    case "/api/same":
      return new Response("ok", { headers: {
        "x-content-type-options": "nosniff",
        "x-request-id": req.headers.get("x-request-id"),
      } });
    case "/api/status":
      return new Response("status " + url.searchParams.get("code"), { status: Number(url.searchParams.get("code")) });
    case "/api/auth":
      return { authorization: req.headers.get("authorization") };
  }
  return new Response("no such route", { status: 404 });
}
`;

// The original Fazt's style: headers as a plain object, several cookies as an array.
const CLASSIC = `
if (request.path === "/api/cookies") {
  respond(200, "ok", { "Set-Cookie": ["a=1; Path=/", "fazt_session=x; Path=/", "b=2; Path=/"] });
} else if (request.path === "/api/status") {
  respond(101, "switching?");
} else {
  respond({ authorization: request.headers.authorization ?? null });
}
`;

const HEADERS = `/*
  X-Content-Type-Options: sniff
  X-Request-Id: forged-by-rule
  Strict-Transport-Security: max-age=0
  Clear-Site-Data: "cookies"
  X-Kept: yes
  Referrer-Policy: no-referrer
/same
  X-Content-Type-Options: nosniff
`;

let s: TestServer;

const call = (app: string, path: string, headers: Record<string, string> = {}) =>
  s.request(path, { host: `${app}.localhost`, headers });

/** The app's log lines written after `after` (an id), warnings only. */
async function warningsOf(app: string, after = 0): Promise<string[]> {
  const lines = await dataOf<LogLine[]>(
    await apiJson(s, "GET", `/api/apps/${app}/logs?limit=1000&after=${after}`),
    200,
  );
  return lines.filter((l) => l.level === "warn").map((l) => l.message);
}

async function lastLogId(app: string): Promise<number> {
  const lines = await dataOf<LogLine[]>(await apiJson(s, "GET", `/api/apps/${app}/logs?limit=1`), 200);
  return lines.at(-1)?.id ?? 0;
}

beforeAll(async () => {
  // Served as if over HTTPS, so Fazt sends its own Strict-Transport-Security.
  s = await startTestServer({ config: { https: true } });
  await deployFiles(s, "guard", { "index.html": "<h1>guard</h1>", "api/main.js": MODULE });
  await deployFiles(s, "classic", { "api/main.js": CLASSIC });
  await deployFiles(s, "hdrs", { "index.html": "<h1>headers</h1>", "same.html": "same", _headers: HEADERS });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("cookies from app code", () => {
  test("fazt_* (any case), Domain and nameless cookies are dropped; the others kept, one header each", async () => {
    const before = await lastLogId("guard");
    const res = await call("guard", "/api/cookies");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([
      "theme=dark; Path=/; HttpOnly",
      "lang=en; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/",
    ]);
    const warnings = await warningsOf("guard", before);
    expect(warnings).toHaveLength(4);
    expect(warnings.join("\n")).toContain("fazt_session");
    expect(warnings.join("\n")).toContain("FAZT_x");
    expect(warnings.join("\n")).toContain("wide");
  });

  test("classic style: an array of cookies is split and checked one by one", async () => {
    const before = await lastLogId("classic");
    const res = await call("classic", "/api/cookies");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(await warningsOf("classic", before)).toHaveLength(1);
  });
});

describe("Fazt's headers win over app code", () => {
  test("nosniff, X-Request-Id and HSTS stay Fazt's; Clear-Site-Data is dropped; others are the app's", async () => {
    const before = await lastLogId("guard");
    const res = await call("guard", "/api/owned", { "x-request-id": "client-id-1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toBe("client-id-1");
    expect(res.headers.get("strict-transport-security")).toBe(HSTS);
    expect(res.headers.get("clear-site-data")).toBeNull();
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-app")).toBe("kept");
    const warnings = await warningsOf("guard", before);
    expect(warnings).toHaveLength(4);
    for (const name of [
      "x-content-type-options",
      "x-request-id",
      "strict-transport-security",
      "clear-site-data",
    ]) {
      expect(warnings.some((w) => w.includes(name))).toBe(true);
    }
  });

  test("repeating Fazt's own values changes nothing and logs nothing", async () => {
    const before = await lastLogId("guard");
    const res = await call("guard", "/api/same", { "x-request-id": "client-id-2" });
    expect(res.headers.get("x-request-id")).toBe("client-id-2");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await warningsOf("guard", before)).toEqual([]);
  });
});

describe("_headers cannot set them either", () => {
  test("dropped at deploy, each with a warning in the app's log", async () => {
    const res = await call("hdrs", "/", { "x-request-id": "client-id-3" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toBe("client-id-3");
    expect(res.headers.get("strict-transport-security")).toBe(HSTS);
    expect(res.headers.get("clear-site-data")).toBeNull();
    expect(res.headers.get("x-kept")).toBe("yes");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const warnings = await warningsOf("hdrs");
    expect(warnings).toHaveLength(4);
    for (const [line, name] of [
      [2, "x-content-type-options"],
      [3, "x-request-id"],
      [4, "strict-transport-security"],
      [5, "clear-site-data"],
    ] as const) {
      expect(warnings.some((w) => w.includes(`line ${line}`) && w.includes(name))).toBe(true);
    }
  });

  test("rules stored by versions deployed before the check are filtered when the site loads", () => {
    const [rule] = compileHeaders([
      {
        path: "/*",
        headers: [
          ["X-Content-Type-Options", "sniff"],
          ["X-Request-Id", "old"],
          ["Clear-Site-Data", "*"],
          ["X-Kept", "yes"],
        ],
      },
    ]);
    expect(rule!.headers).toEqual([["X-Kept", "yes"]]);
  });
});

describe("statuses outside 200–599", () => {
  for (const code of [101, 600, 99, 199]) {
    test(`${code} becomes 500 with a warning`, async () => {
      const before = await lastLogId("guard");
      const res = await call("guard", `/api/status?code=${code}`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe("HANDLER_ERROR");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const warnings = await warningsOf("guard", before);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(String(code));
    });
  }

  test("a classic-style respond(101) too", async () => {
    const res = await call("classic", "/api/status");
    expect(res.status).toBe(500);
  });

  test("200 and 599 are answered as they are", async () => {
    expect((await call("guard", "/api/status?code=200")).status).toBe(200);
    expect((await call("guard", "/api/status?code=599")).status).toBe(599);
  });
});

describe("Authorization", () => {
  test("a Fazt API key never reaches app code; other credentials do", async () => {
    const cases: Array<[string, string | null]> = [
      [`Bearer ${s.adminToken}`, null],
      ["bearer fazt_key_aaaaaaaaaaaaaaaa_whatever", null],
      ["Bearer other-token", "Bearer other-token"],
      ["Basic dXNlcjpwYXNz", "Basic dXNlcjpwYXNz"],
    ];
    for (const [sent, seen] of cases) {
      for (const app of ["guard", "classic"]) {
        const res = await call(app, "/api/auth", { authorization: sent });
        expect(res.status).toBe(200);
        expect(
          `${app} ${sent} → ${((await res.json()) as { authorization: string | null }).authorization}`,
        ).toBe(`${app} ${sent} → ${seen}`);
      }
    }
  });
});
