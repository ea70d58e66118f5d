/**
 * The per-address cap on requests in flight (docs/limits.md): one client
 * holding `maxRequestsPerIp` requests open (bodies half sent, to sign-in and
 * to an app's handler) gets 429 for the next one, while other addresses are
 * served. A second client is a real second address (the client socket bound
 * to 127.0.0.2) or one forwarded by a trusted proxy; `X-Forwarded-For` from
 * anyone else changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { type HeldRequest, holdRequest, type StreamedResponse, sendHead } from "../helpers/slow-body.ts";
import { cleanupTemp } from "../helpers/temp.ts";

const CAP = 4;
const OTHER = "127.0.0.2";
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ config: { maxRequestsPerIp: CAP, trustedProxies: ["127.0.0.1"] } });
  await deployFiles(s, "slow", {
    "index.html": "static",
    "api/main.js": "export default async (req) => ({ got: (await req.text()).length });",
  });
});
afterAll(async () => {
  await s?.stop();
  cleanupTemp();
});

/** Holds `n` requests open from one client: half to sign-in, half to the app's handler. */
const hold = (n: number, from: { localAddress?: string; forwardedFor?: () => string } = {}) =>
  Promise.all(
    Array.from({ length: n }, (_, i) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (from.forwardedFor) headers["x-forwarded-for"] = from.forwardedFor();
      return holdRequest(
        s.port,
        i % 2 === 0
          ? { method: "POST", target: "/auth/login", headers, localAddress: from.localAddress }
          : {
              method: "POST",
              target: "/api/x",
              host: "slow.localhost",
              headers,
              localAddress: from.localAddress,
            },
      );
    }),
  );

/** An admin API request (answered asynchronously, like everything but static files). */
const probe = (from: { localAddress?: string; forwardedFor?: string } = {}) =>
  sendHead(s.port, {
    method: "GET",
    target: "/api/system/health",
    headers: {
      authorization: `Bearer ${s.adminToken}`,
      ...(from.forwardedFor ? { "x-forwarded-for": from.forwardedFor } : {}),
    },
    localAddress: from.localAddress,
  });

/**
 * The held requests reach the server's handler in their own time: ask until
 * the answer is 429 (or give up after many tries, which fails the test).
 */
async function untilRefused(ask: () => Promise<StreamedResponse>): Promise<StreamedResponse> {
  let last = await ask();
  for (let i = 0; i < 200 && last.status !== 429; i++) {
    await Bun.sleep(25);
    last = await ask();
  }
  return last;
}

const release = async (held: HeldRequest[]) => {
  for (const h of held) h.finish();
  return Promise.all(held.map((h) => h.response));
};

const expectRefused = (res: StreamedResponse) => {
  expect(res.status).toBe(429);
  expect(JSON.parse(res.body).error.code).toBe("RATE_LIMITED");
  expect(res.headers.get("retry-after")).toBe("1");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  expect(res.headers.get("connection")?.toLowerCase()).toBe("close");
  expect(res.closed).toBe(true);
};

describe("requests in flight per client address", () => {
  test(`the ${CAP + 1}th held request from one address is refused; other addresses are served`, async () => {
    const held = await hold(CAP);
    expectRefused(await untilRefused(() => probe()));
    // Every kind of request from that address, static files included, until one finishes.
    const staticFile = await sendHead(s.port, { method: "GET", target: "/", host: "slow.localhost" });
    expect(staticFile.status).toBe(429);

    // A second address on the same machine.
    const other = await probe({ localAddress: OTHER });
    expect(other.status).toBe(200);
    // A client behind the trusted proxy (127.0.0.1) is its own address.
    const forwarded = await probe({ forwardedFor: "203.0.113.9" });
    expect(forwarded.status).toBe(200);
    const otherStatic = await sendHead(s.port, {
      method: "GET",
      target: "/",
      host: "slow.localhost",
      localAddress: OTHER,
    });
    expect(otherStatic.status).toBe(200);
    expect(otherStatic.body).toBe("static");

    // The held requests were never cut: they finish normally and the address is served again.
    const answers = await release(held);
    expect(answers.map((a) => a.status)).toEqual([400, 200, 400, 200]);
    expect((await probe()).status).toBe(200);
  });

  test("X-Forwarded-For from an untrusted peer does not escape the cap", async () => {
    let n = 0;
    const held = await hold(CAP, { localAddress: OTHER, forwardedFor: () => `198.51.100.${++n}` });
    expectRefused(await untilRefused(() => probe({ localAddress: OTHER, forwardedFor: "198.51.100.200" })));
    await release(held);
  });

  test("behind the trusted proxy each forwarded client has its own cap, the proxy none of its own", async () => {
    const held = await hold(CAP, { forwardedFor: () => "192.0.2.1" });
    expectRefused(await untilRefused(() => probe({ forwardedFor: "192.0.2.1" })));
    // Rightmost untrusted hop is the client: a spoofed leftmost entry does not help.
    expectRefused(await probe({ forwardedFor: "10.9.9.9, 192.0.2.1" }));
    expect((await probe({ forwardedFor: "192.0.2.2" })).status).toBe(200);
    expect((await probe()).status).toBe(200);
    await release(held);
    expect((await probe({ forwardedFor: "192.0.2.1" })).status).toBe(200);
  });

  test("IPv6 clients are counted by their /64: new addresses in the same prefix do not escape", async () => {
    let n = 0;
    const held = await hold(CAP, { forwardedFor: () => `2001:db8:1:2::${(++n).toString(16)}` });
    expectRefused(await untilRefused(() => probe({ forwardedFor: "2001:db8:1:2:ffff:ffff:ffff:ffff" })));
    expect((await probe({ forwardedFor: "2001:db8:1:3::1" })).status).toBe(200);
    await release(held);
  });

  test("the cap is a config key, validated", async () => {
    const bad = await s.request("/api/system/config", {
      method: "PUT",
      headers: { authorization: `Bearer ${s.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ maxRequestsPerIp: 0 }),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("maxRequestsPerIp");
  });
});
