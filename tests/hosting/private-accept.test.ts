/**
 * `/private` without a signed-in user: a request whose `Accept` prefers
 * `text/html` (by q-values) is sent to sign in; any other gets 401 JSON.
 * The rule is a table run through the negotiation function and over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { prefersHtml } from "../../src/hosting/negotiate.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";

/** [Accept, prefers HTML] */
const CASES: Array<[string | null, boolean]> = [
  // the two cases
  ["application/json;q=0.5, text/html", true],
  ["text/html;q=0.1, application/json", false],
  // browsers
  ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true],
  ["text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true],
  // API clients and tools
  ["application/json", false],
  ["application/json, text/plain, */*", false],
  ["*/*", false],
  [null, false],
  ["", false],
  // q-values decide, whatever the order
  ["application/json;q=0.9, text/html;q=0.91", true],
  ["text/html;q=0.5, application/json;q=0.6", false],
  ["text/html;q=0", false],
  ["*/*;q=0.1, text/html;q=0", false],
  ["application/json;q=0, */*", true],
  ["text/*", true],
  ["text/*;q=0.4, application/json;q=0.3", true],
  ["TEXT/HTML;Q=0.2, application/json;q=0.1", true],
  ['text/html;level=1;q="x", application/json;q=0.5', true],
  // ties: the more specific range, then the one listed first
  ["text/html, application/json", true],
  ["application/json, text/html", false],
  ["text/html;q=0.8, */*;q=0.8", true],
  ["application/json;q=0.8, */*;q=0.8", false],
];

describe("prefersHtml", () => {
  for (const [accept, html] of CASES) {
    test(`${JSON.stringify(accept)} → ${html ? "HTML" : "JSON"}`, () => {
      expect(prefersHtml(accept)).toBe(html);
    });
  }
});

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await deployFiles(s, "gate", {
    "index.html": "<h1>home</h1>",
    "private/index.html": "<h1>PRIVATE PAGE</h1>",
    "private/report.html": "<h1>PRIVATE REPORT</h1>",
  });
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("the /private gate over HTTP", () => {
  for (const [accept, html] of CASES) {
    test(`Accept ${JSON.stringify(accept)} → ${html ? "302 to sign in" : "401 JSON"}`, async () => {
      const headers: Record<string, string> = {};
      if (accept !== null) headers.accept = accept;
      const res = await s.request("/private/report?tab=2", { host: "gate.localhost", headers });
      const text = await res.text();
      expect(text).not.toContain("PRIVATE");
      if (html) {
        expect(res.status).toBe(302);
        const location = new URL(res.headers.get("location")!, "http://gate.localhost");
        expect(location.pathname).toBe("/auth/login");
        expect(location.searchParams.get("redirect")).toBe("/private/report?tab=2");
      } else {
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toStartWith("application/json");
        expect(JSON.parse(text).error.code).toBe("UNAUTHORIZED");
      }
    });
  }
});
