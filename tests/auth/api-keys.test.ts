import { beforeAll, describe, expect, test } from "bun:test";
import { createApiKey, deleteApiKey, listApiKeys, verifyApiKey } from "../../src/auth/api-keys.ts";
import { createOwner, findOwner, setOwnerCredentials } from "../../src/auth/owner.ts";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { FaztError } from "../../src/core/errors.ts";
import { useTempStore } from "../helpers/store.ts";

const db = useTempStore();

describe("owner", () => {
  test("one owner, argon2id hash, credentials change", async () => {
    await createOwner(db.current, { username: "Admin", password: "first-password" });
    const owner = findOwner(db.current)!;
    expect(owner.username).toBe("admin");
    await expect(createOwner(db.current, { username: "other", password: "first-password" })).rejects.toThrow(
      "already has an owner",
    );
    const hash = () =>
      (
        db.current.engine.get("SELECT password_hash FROM users WHERE id = ?", [owner.id]) as {
          password_hash: string;
        }
      ).password_hash;
    expect(hash()).toStartWith("$argon2id$");
    await setOwnerCredentials(db.current, { password: "second-password" });
    expect(await verifyPassword("second-password", hash())).toBe(true);
    expect(await verifyPassword("first-password", hash())).toBe(false);
    await expect(setOwnerCredentials(db.current, { password: "short" })).rejects.toThrow("at least 8");
    await expect(setOwnerCredentials(db.current, {})).rejects.toThrow("nothing to change");
  });
});

describe("API keys", () => {
  beforeAll(async () => {
    if (!findOwner(db.current))
      await createOwner(db.current, { username: "admin", password: "first-password" });
  });

  test("a minted key verifies; only the secret's hash is stored", () => {
    const { key, token } = createApiKey(db.current, { name: "laptop" });
    expect(key.scope).toBe("admin");
    expect(token).toMatch(/^fazt_key_[a-z2-7]{16}_[a-z2-7]{39}$/);
    const secret = token.split("_").pop()!;
    const dump = JSON.stringify(db.current.engine.all("SELECT * FROM api_keys"));
    expect(dump).not.toContain(secret);
    const check = verifyApiKey(db.current, token);
    expect(check.ok && check.key.id).toBe(key.id);
    // Minted with the database in hand: the owner's key.
    expect(key.createdBy).toBe(findOwner(db.current)!.id);
    expect(check.ok && check.key.actsAs).toBe("owner");
  });

  test("a changed secret, an unknown id or a malformed token is refused", () => {
    const { token } = createApiKey(db.current, { name: "x", scope: "deploy" });
    const last = token.at(-1) === "a" ? "b" : "a";
    const refused = { ok: false, disabled: null } as const;
    expect(verifyApiKey(db.current, token.slice(0, -1) + last)).toEqual(refused);
    expect(verifyApiKey(db.current, token.replace(/key_[a-z2-7]{16}/, "key_aaaaaaaaaaaaaaaa"))).toEqual(
      refused,
    );
    for (const bad of [
      "",
      "fazt_",
      "Bearer x",
      `${token}x`,
      token.toUpperCase(),
      `fazt_key_x' OR 1=1 --_abc`,
    ]) {
      expect(verifyApiKey(db.current, bad)).toEqual(refused);
    }
  });

  test("app limits are stored normalised; keys without a recorded maker never work", () => {
    const { key, token } = createApiKey(db.current, {
      name: "ci",
      scope: "deploy",
      apps: ["Docs", "blog", "docs"],
    });
    expect(key.apps).toEqual(["blog", "docs"]);
    const check = verifyApiKey(db.current, token);
    expect(check.ok && check.key.apps).toEqual(["blog", "docs"]);
    // A key left with no maker (made by a user deleted before makers were checked): off, with the reason.
    db.current.engine.run("UPDATE api_keys SET created_by = NULL WHERE id = ?", [key.id]);
    const off = verifyApiKey(db.current, token);
    expect(off.ok).toBe(false);
    expect(!off.ok && off.disabled).toContain("no longer exists");
    expect(listApiKeys(db.current).find((k) => k.id === key.id)).toMatchObject({
      maker: null,
      active: false,
    });
  });

  test("verification records last use", () => {
    const { key, token } = createApiKey(db.current, { name: "used" });
    expect(listApiKeys(db.current).find((k) => k.id === key.id)?.lastUsedAt).toBeNull();
    verifyApiKey(db.current, token);
    expect(listApiKeys(db.current).find((k) => k.id === key.id)?.lastUsedAt).toBeGreaterThan(0);
  });

  test("bad input is refused; a deleted key stops working", () => {
    expect(() => createApiKey(db.current, { name: "" })).toThrow(FaztError);
    expect(() => createApiKey(db.current, { name: "x", scope: "root" })).toThrow(FaztError);
    expect(() => createApiKey(db.current, { name: "x", scope: "admin", apps: ["blog"] })).toThrow(
      "key: apps: only deploy keys can be limited to apps",
    );
    expect(() => createApiKey(db.current, { name: "x", scope: "deploy", apps: [] })).toThrow(
      "at least one app",
    );
    expect(() => createApiKey(db.current, { name: "x", scope: "deploy", apps: ["Not An App!"] })).toThrow(
      "key: apps.0:",
    );
    expect(() => createApiKey(db.current, { name: "x", scope: "deploy", apps: "blog" })).toThrow(
      "key: apps:",
    );
    expect(() => createApiKey(db.current, { name: "x" }, "usr_nobody")).toThrow("no longer exists");
    const { key, token } = createApiKey(db.current, { name: "gone" });
    deleteApiKey(db.current, key.id);
    expect(verifyApiKey(db.current, token).ok).toBe(false);
    expect(() => deleteApiKey(db.current, key.id)).toThrow(FaztError);
  });
});
