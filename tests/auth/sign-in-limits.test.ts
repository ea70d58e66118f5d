import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { apiJson, deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * Sign-in limits under concurrency, over real HTTP: an attempt takes its slot
 * before the password is checked, so a burst of guesses gets at most 5
 * password checks (each check is a 401; every other answer is a 429 that
 * checked nothing), and failed sign-ins never lock out API keys.
 */

setDefaultTimeout(60_000);

const PASSWORD = "correct-horse-battery";
let r: TestServer | undefined;
afterEach(async () => {
  await r?.stop();
  r = undefined;
});

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Sends all at once; answers the statuses, checking that every 429 says when to come back. */
async function burst(requests: Array<() => Promise<Response>>): Promise<number[]> {
  const answers = await Promise.all(requests.map((send) => send()));
  for (const res of answers) {
    if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await res.body?.cancel();
  }
  return answers.map((res) => res.status);
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe("sign-in limits under concurrency", () => {
  test("40 concurrent wrong sign-ins check at most 5 passwords, the rest 429; then even the right password is 429, and an API key from the same address still deploys", async () => {
    r = await startTestServer({ password: PASSWORD });
    const s = r;
    const statuses = await burst(
      Array.from(
        { length: 40 },
        (_, i) => () => s.request("/api/login", json({ username: "admin", password: `wrong-guess-${i}` })),
      ),
    );
    // Each 401 is one password that was checked; a 429 checked none.
    expect(count(statuses, 401)).toBeLessThanOrEqual(5);
    expect(count(statuses, 401)).toBeGreaterThanOrEqual(1);
    expect(count(statuses, 429)).toBe(40 - count(statuses, 401));

    const right = await s.request("/api/login", json({ username: "admin", password: PASSWORD }));
    expect(right.status).toBe(429);
    expect(right.headers.get("set-cookie")).toBeNull();

    // The same address, with a valid key: reads and deploys as before.
    expect((await apiJson(s, "GET", "/api/apps")).status).toBe(200);
    const deployed = await deployFiles(s, "still-deploys", { "index.html": "<p>ok</p>" });
    expect(deployed.app).toBe("still-deploys");
  });

  test("the HTML form and unknown accounts hold the same limit", async () => {
    r = await startTestServer({ password: PASSWORD });
    const s = r;
    const form = (username: string, password: string) => () =>
      s.request("/auth/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
        body: new URLSearchParams({ username, password }).toString(),
      });
    const statuses = await burst(Array.from({ length: 40 }, (_, i) => form("ghost", `guess-${i}`)));
    expect(count(statuses, 401)).toBeLessThanOrEqual(5);
    expect(count(statuses, 429)).toBe(40 - count(statuses, 401));
    expect((await form("admin", PASSWORD)()).status).toBe(429);
  });

  test("an account is limited across addresses: 40 guesses from 40 addresses check at most 5 passwords", async () => {
    r = await startTestServer({ password: PASSWORD, config: { trustedProxies: ["127.0.0.1"] } });
    const s = r;
    const statuses = await burst(
      Array.from(
        { length: 40 },
        (_, i) => () =>
          s.request(
            "/api/login",
            json({ username: "admin", password: `guess-${i}` }, { "x-forwarded-for": `10.1.0.${i}` }),
          ),
      ),
    );
    expect(count(statuses, 401)).toBeLessThanOrEqual(5);
    expect(count(statuses, 429)).toBe(40 - count(statuses, 401));
    const right = await s.request(
      "/api/login",
      json({ username: "admin", password: PASSWORD }, { "x-forwarded-for": "10.2.0.1" }),
    );
    expect(right.status).toBe(429);
  });

  test("a right password gives its slot back: 4 failures, a success, 4 more failures leave the address open", async () => {
    r = await startTestServer({ password: PASSWORD });
    const s = r;
    const attempt = (username: string, password: string) =>
      s.request("/api/login", json({ username, password })).then((res) => res.status);
    for (let i = 0; i < 4; i++) expect(await attempt(`nobody${i}`, "wrong-password")).toBe(401);
    expect(await attempt("admin", PASSWORD)).toBe(200);
    // The address has 4 failures, not 5: one more wrong one is still checked (401), the next is locked.
    expect(await attempt("nobody9", "wrong-password")).toBe(401);
    expect(await attempt("admin", PASSWORD)).toBe(429);
  });

  test("an address locked by failed sign-ins still deploys with a valid key", async () => {
    r = await startTestServer({ password: PASSWORD });
    const s = r;
    for (let i = 0; i < 5; i++) {
      expect(
        (await s.request("/api/login", json({ username: "admin", password: "wrong-password" }))).status,
      ).toBe(401);
    }
    expect((await s.request("/api/login", json({ username: "admin", password: PASSWORD }))).status).toBe(429);
    expect((await deployFiles(s, "after-lock", { "index.html": "x" })).app).toBe("after-lock");
  });

  test("wrong API keys are counted on their own: they lock keys from that address, not sign-ins", async () => {
    r = await startTestServer({ password: PASSWORD });
    const s = r;
    const wrong = {
      authorization: "Bearer fazt_key_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    };
    for (let i = 0; i < 5; i++) expect((await s.request("/api/apps", { headers: wrong })).status).toBe(401);
    expect((await apiJson(s, "GET", "/api/apps")).status).toBe(429);
    expect((await s.request("/api/login", json({ username: "admin", password: PASSWORD }))).status).toBe(200);
  });
});
