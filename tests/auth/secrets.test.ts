import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiJson, dataOf } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * Issue 4: no secret (password, session token, invite code, API key, client
 * secret) appears in any log line or API response after it was first handed
 * out, and the database keeps only hashes of tokens.
 */

const PASSWORD = "correct-horse-battery";
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ password: PASSWORD });
});
afterAll(async () => {
  await s.stop();
});

test("secrets stay out of logs, later API answers and (as clear text) the database", async () => {
  const json = { "content-type": "application/json" };
  // A password sign-in (and a failed one).
  const login = await s.request("/api/login", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username: "admin", password: PASSWORD }),
  });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const sessionToken = cookie.split("=")[1]!;
  await s.request("/api/login", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ username: "admin", password: "a-wrong-password" }),
  });
  // An API key, an invite, a provider's client secret.
  const key = await dataOf<{ id: string; token: string }>(
    await apiJson(s, "POST", "/api/keys", { name: "ci" }),
    201,
  );
  const invite = await dataOf<{ code: string }>(await apiJson(s, "POST", "/api/invites", {}), 201);
  await s.request(`/auth/invite/${invite.code}`, { host: "blog.localhost" });
  const clientSecret = "client-secret-do-not-leak-123";
  await apiJson(s, "PUT", "/api/auth/providers/github", { clientId: "abc", clientSecret, enabled: true });
  // Later answers that list these things.
  const answers = await Promise.all(
    ["/api/keys", "/api/invites", "/api/auth/providers", "/api/users", "/api/me"].map(async (path) =>
      (await s.request(path, { headers: { authorization: `Bearer ${s.adminToken}`, cookie } })).text(),
    ),
  );
  const secrets = [
    PASSWORD,
    sessionToken,
    key.token,
    key.token.split("_").at(-1)!,
    invite.code,
    clientSecret,
    s.adminToken,
  ];
  const logs = JSON.stringify(s.logs);
  for (const secret of secrets) {
    expect(logs).not.toContain(secret);
    for (const body of answers) expect(body).not.toContain(secret);
  }
  // The database: only hashes of tokens (a client secret must be kept to talk to the provider).
  const db = s.store.engine;
  const dump = JSON.stringify([
    db.all("SELECT * FROM sessions"),
    db.all("SELECT * FROM api_keys"),
    db.all("SELECT * FROM invites"),
    db.all("SELECT id, username, email, password_hash FROM users"),
  ]);
  for (const secret of [PASSWORD, sessionToken, key.token.split("_").at(-1)!, invite.code]) {
    expect(dump).not.toContain(secret);
  }
  expect(dump).toContain("$argon2id$");
});
