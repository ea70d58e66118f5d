/**
 * The accounts store on both engines (src/auth/, through src/db/engine/):
 * users and the owner, sessions and their families, handoff codes, API keys
 * and their makers, invites, sign-in limits, OAuth states, identities and
 * providers. The same calls, the same expectations, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import {
  type AccountsDb,
  assertNotLocked,
  checkInvite,
  consumeHandoff,
  createApiKey,
  createChildSession,
  createInvite,
  createOwner,
  createSession,
  deleteApiKey,
  deleteUser,
  enabledProviderNames,
  endSession,
  findOwner,
  getUser,
  issueHandoff,
  listApiKeys,
  listInvites,
  listProviders,
  listUsers,
  passwordLogin,
  recordFailure,
  redeemInvite,
  sessionOf,
  setOwnerCredentials,
  setProvider,
  setRole,
  sweepLoginAttempts,
  sweepOauthStates,
  sweepSessions,
  verifyApiKey,
} from "../../src/auth/index.ts";
import { linkAccount } from "../../src/auth/oauth/link.ts";
import { consumeState, saveState } from "../../src/auth/oauth/states.ts";
import { FaztError } from "../../src/core/errors.ts";
import { defaultConfig, type Engine, openEngine } from "../../src/db/index.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(60_000);
afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const PASSWORD = "correct-horse-battery";
const STATE = "a".repeat(52);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FaztError) return e.code;
    throw e;
  }
  return "none";
}

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof FaztError) return e.code;
    throw e;
  }
  return "none";
}

describe.each(engines)("accounts on $dialect", ({ dialect, target }) => {
  let engine: Engine;
  let db: AccountsDb;
  let ownerId: string;
  const count = (sql: string, params: string[] = []) =>
    engine.get<{ n: number }>(`SELECT count(*) AS n FROM ${sql}`, params)?.n;

  beforeAll(async () => {
    engine = await openEngine(await target());
    db = { engine };
    expect(engine.dialect).toBe(dialect as Engine["dialect"]);
  });
  afterAll(() => engine?.close());

  test("one owner; a second is a conflict; new credentials end the owner's sessions; a taken name is a conflict", async () => {
    expect(findOwner(db)).toBeUndefined();
    const owner = await createOwner(db, { username: "Admin", password: PASSWORD });
    ownerId = owner.id;
    expect(findOwner(db)).toEqual({ id: owner.id, username: "admin" });
    expect(await codeOfAsync(() => createOwner(db, { username: "other", password: PASSWORD }))).toBe(
      "CONFLICT",
    );
    createSession(db, owner.id);
    await setOwnerCredentials(db, { password: `${PASSWORD}!` });
    expect(count("sessions WHERE user_id = ?", [owner.id])).toBe(0);
    await setOwnerCredentials(db, { password: PASSWORD });
    engine.run(
      "INSERT INTO users (id, username, role, created_at, updated_at) VALUES ('usr_taken', 'taken', 'user', 1, 1)",
    );
    expect(await codeOfAsync(() => setOwnerCredentials(db, { username: "taken" }))).toBe("CONFLICT");
    expect(findOwner(db)?.username).toBe("admin");
    engine.run("DELETE FROM users WHERE id = 'usr_taken'");
  });

  test("users: paged in creation order with a total; role rules; deleting takes sessions and identities along", () => {
    for (let i = 0; i < 3; i++) {
      engine.run("INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, ?, 'user', ?, ?)", [
        `usr_u${i}`,
        `u${i}@example.com`,
        i + 1,
        1,
      ]);
    }
    const page = listUsers(db, { limit: 2, offset: 1 });
    expect(page.total).toBe(4);
    expect(page.users.map((u) => u.id)).toEqual(["usr_u1", "usr_u2"]);
    expect(page.users[0]?.createdAt).toBe(2);
    expect(setRole(db, { role: "owner" }, "usr_u0", "admin").role).toBe("admin");
    expect(codeOf(() => setRole(db, { role: "admin" }, "usr_u0", "user"))).toBe("FORBIDDEN");
    expect(codeOf(() => setRole(db, { role: "owner" }, ownerId, "user"))).toBe("FORBIDDEN");
    expect(codeOf(() => deleteUser(db, { role: "owner" }, ownerId))).toBe("FORBIDDEN");
    createSession(db, "usr_u1");
    engine.run(
      "INSERT INTO identities (id, user_id, provider, provider_user_id, email_verified, created_at) VALUES ('idn_u1', 'usr_u1', 'github', 'gh-u1', ?, 1)",
      [false],
    );
    deleteUser(db, { role: "admin" }, "usr_u1");
    expect(getUser(db, "usr_u1")).toBeNull();
    expect(count("sessions WHERE user_id = ?", ["usr_u1"])).toBe(0);
    expect(count("identities WHERE user_id = ?", ["usr_u1"])).toBe(0);
    expect(codeOf(() => deleteUser(db, { role: "owner" }, "usr_u1"))).toBe("NOT_FOUND");
  });

  test("sessions: a token is its hash; expiry slides; a family ends together; expired ones are swept", () => {
    const now = Date.now();
    const root = createSession(db, ownerId, { ip: "192.0.2.1", userAgent: "x".repeat(400) });
    expect(count("sessions WHERE id = ?", [root.token])).toBe(0);
    const row = engine.get<{ user_agent: string }>("SELECT user_agent FROM sessions WHERE id = ?", [root.id]);
    expect(row?.user_agent.length).toBe(300);
    const info = sessionOf(db, root.token);
    expect(info).toEqual({ id: root.id, rootId: root.id, user: expect.objectContaining({ id: ownerId }) });
    expect(sessionOf(db, "b".repeat(52))).toBeNull();
    expect(sessionOf(db, "not a token")).toBeNull();

    const child = createChildSession(db, root.id, { ip: "192.0.2.2" });
    expect(child.user.id).toBe(ownerId);
    expect(sessionOf(db, child.token)?.rootId).toBe(root.id);
    // Two hours later the child's use slides the root too.
    const later = now + 2 * 60 * 60 * 1000;
    sessionOf(db, child.token, later);
    const slid = engine.get<{ expires_at: number }>("SELECT expires_at FROM sessions WHERE id = ?", [
      root.id,
    ]);
    expect(slid?.expires_at).toBe(later + 30 * 24 * 60 * 60 * 1000);

    const code = issueHandoff(db, {
      sessionId: root.id,
      host: "blog.localhost:8080",
      redirect: "/",
      state: STATE,
    });
    endSession(db, child.token);
    expect(sessionOf(db, root.token)).toBeNull();
    expect(sessionOf(db, child.token)).toBeNull();
    expect(codeOf(() => consumeHandoff(db, { code, state: STATE, host: "blog.localhost:8080" }))).toBe(
      "VALIDATION_FAILED",
    );
    expect(codeOf(() => createChildSession(db, root.id, {}))).toBe("VALIDATION_FAILED");

    const old = createSession(db, ownerId);
    expect(sweepSessions(db, now + 31 * 24 * 60 * 60 * 1000)).toBeGreaterThanOrEqual(1);
    expect(sessionOf(db, old.token)).toBeNull();
  });

  test("handoff codes: single use, bound to browser and host, at most 10 pending per session", () => {
    const root = createSession(db, ownerId);
    const host = "docs.localhost:8080";
    const code = issueHandoff(db, { sessionId: root.id, host, redirect: "/x", state: STATE });
    expect(codeOf(() => consumeHandoff(db, { code, state: "c".repeat(52), host }))).toBe("VALIDATION_FAILED");
    const code2 = issueHandoff(db, { sessionId: root.id, host, redirect: "/y", state: STATE });
    expect(consumeHandoff(db, { code: code2, state: STATE, host })).toEqual({
      sessionId: root.id,
      redirect: "/y",
    });
    expect(codeOf(() => consumeHandoff(db, { code: code2, state: STATE, host }))).toBe("VALIDATION_FAILED");
    const code3 = issueHandoff(db, { sessionId: root.id, host, redirect: "/z", state: STATE });
    expect(codeOf(() => consumeHandoff(db, { code: code3, state: STATE, host: "evil.localhost:8080" }))).toBe(
      "VALIDATION_FAILED",
    );
    for (let i = 0; i < 15; i++) issueHandoff(db, { sessionId: root.id, host, redirect: "/", state: STATE });
    expect(count("auth_handoffs WHERE session_id = ?", [root.id])).toBe(10);
  });

  test("API keys: minted, verified by hash, listed with their maker; a demoted maker's key stops; deleted is gone", () => {
    engine.run(
      "INSERT INTO users (id, email, role, created_at, updated_at) VALUES ('usr_maker', 'maker@example.com', 'admin', 5, 5)",
    );
    const own = createApiKey(db, { name: "ci" });
    expect(own.key.actsAs).toBe("owner");
    const deploy = createApiKey(db, { name: "deploy", scope: "deploy", apps: ["b", "a", "a"] }, "usr_maker");
    expect(deploy.key.apps).toEqual(["a", "b"]);
    const ok = verifyApiKey(db, deploy.token);
    expect(ok.ok && ok.key).toMatchObject({ scope: "deploy", apps: ["a", "b"], actsAs: "admin" });
    expect(count("api_keys WHERE last_used_at IS NOT NULL")).toBe(1);
    expect(verifyApiKey(db, `${deploy.token.slice(0, -1)}${deploy.token.endsWith("a") ? "b" : "a"}`)).toEqual(
      { ok: false, disabled: null },
    );
    const listed = listApiKeys(db).map((k) => [k.name, k.maker?.id ?? null, k.active]);
    expect(listed.sort()).toEqual([
      ["ci", ownerId, true],
      ["deploy", "usr_maker", true],
    ]);
    setRole(db, { role: "owner" }, "usr_maker", "user");
    const off = verifyApiKey(db, deploy.token);
    expect(off.ok).toBe(false);
    expect(!off.ok && off.disabled).toContain("no longer holds the role");
    expect(codeOf(() => createApiKey(db, { name: "x" }, "usr_maker"))).toBe("FORBIDDEN");
    deleteApiKey(db, own.key.id);
    expect(verifyApiKey(db, own.token)).toEqual({ ok: false, disabled: null });
    expect(codeOf(() => deleteApiKey(db, own.key.id))).toBe("NOT_FOUND");
  });

  test("invites: redeemed once; used 409, expired 410, unknown 404; a taken email gives the use back", async () => {
    const { code } = createInvite(db, { role: "admin" }, { role: "owner", id: ownerId });
    expect(codeOf(() => createInvite(db, { role: "admin" }, { role: "admin", id: ownerId }))).toBe(
      "FORBIDDEN",
    );
    const user = await redeemInvite(db, code, { email: " New@Example.com ", password: PASSWORD, name: "N" });
    expect(user).toMatchObject({ email: "new@example.com", role: "admin", name: "N" });
    expect(
      await codeOfAsync(() => redeemInvite(db, code, { email: "b@example.com", password: PASSWORD })),
    ).toBe("CONFLICT");
    const two = createInvite(db, { maxUses: 2 }, { role: "owner", id: ownerId });
    expect(
      await codeOfAsync(() => redeemInvite(db, two.code, { email: "new@example.com", password: PASSWORD })),
    ).toBe("CONFLICT");
    expect(checkInvite(db, two.code).uses).toBe(0);
    const short = createInvite(db, { expiry: 1000 }, { role: "owner", id: ownerId });
    expect(codeOf(() => checkInvite(db, short.code, Date.now() + 2000))).toBe("GONE");
    expect(codeOf(() => checkInvite(db, "d".repeat(32)))).toBe("NOT_FOUND");
    expect(listInvites(db).map((i) => i.status)).toContain("used");
  });

  test("sign-in limits: five failures lock the account and address (429); a right password gives its slot back", async () => {
    const login = (password: string, ip = "198.51.100.1") =>
      passwordLogin(db, { login: "ADMIN", password, ip });
    expect((await login(PASSWORD)).id).toBe(ownerId);
    for (let i = 0; i < 4; i++) expect(await codeOfAsync(() => login(`wrong-${i}`))).toBe("UNAUTHORIZED");
    expect((await login(PASSWORD)).id).toBe(ownerId);
    const ip = engine.get<{ failures: number }>("SELECT failures FROM login_attempts WHERE key = ?", [
      "ip:198.51.100.1",
    ]);
    expect(ip?.failures).toBe(4);
    expect(await codeOfAsync(() => login("wrong-4"))).toBe("UNAUTHORIZED");
    expect(await codeOfAsync(() => login(PASSWORD))).toBe("RATE_LIMITED");
    // Two hours on, the lock is over and the counters are swept.
    expect(sweepLoginAttempts(db, Date.now() + 2 * 60 * 60 * 1000)).toBeGreaterThanOrEqual(1);
    expect((await login(PASSWORD)).id).toBe(ownerId);

    // Wrong API keys count in their own space: five lock that address's keys, not its sign-ins.
    const keyIp = ["key-ip:198.51.100.1"];
    for (let i = 0; i < 5; i++) {
      expect(codeOf(() => assertNotLocked(db, keyIp))).toBe("none");
      recordFailure(db, keyIp);
    }
    expect(codeOf(() => assertNotLocked(db, keyIp))).toBe("RATE_LIMITED");
    expect((await login(PASSWORD)).id).toBe(ownerId);
  });

  test("OAuth: states are single use and evicted per client; an identity signs in as its user; a verified email never joins", () => {
    for (let i = 0; i < 12; i++) {
      saveState(db, `state-${i}`, {
        provider: "github",
        code_verifier: `v${i}`,
        nonce: null,
        redirect: "/",
        clientBucket: "203.0.113.7",
      });
    }
    expect(count("oauth_states WHERE ip = ?", ["203.0.113.7"])).toBe(10);
    expect(consumeState(db, "state-11")).toEqual({
      provider: "github",
      code_verifier: "v11",
      nonce: null,
      redirect: "/",
    });
    expect(consumeState(db, "state-11")).toBeNull();
    expect(sweepOauthStates(db, Date.now() + 11 * 60 * 1000)).toBe(9);

    const profile = { subject: "42", email: "gh@example.com", emailVerified: true, name: "G", picture: null };
    const first = linkAccount(db, "github", profile);
    expect(first).toMatchObject({ email: "gh@example.com", role: "user" });
    expect(linkAccount(db, "github", { ...profile, emailVerified: false }).id).toBe(first.id);
    expect(count("identities WHERE user_id = ?", [first.id])).toBe(1);
    expect(codeOf(() => linkAccount(db, "google", { ...profile, subject: "g-1" }))).toBe("CONFLICT");

    const config = defaultConfig;
    setProvider(db, config, "github", { clientId: "id", clientSecret: "secret", enabled: true });
    setProvider(db, config, "google", { clientId: "id", clientSecret: "secret" });
    expect(enabledProviderNames(db)).toEqual(["github"]);
    const views = listProviders(db, config).filter((p) => p.configured);
    expect(views.map((p) => [p.name, p.enabled, p.clientSecretSet])).toEqual([
      ["google", false, true],
      ["github", true, true],
    ]);
    expect(codeOf(() => setProvider(db, config, "discord", { enabled: true }))).toBe("VALIDATION_FAILED");
  });
});
