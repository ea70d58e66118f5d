import { describe, expect, test } from "bun:test";
import { createApiKey, deleteApiKey, listApiKeys, verifyApiKey } from "../../src/auth/api-keys.ts";
import { createOwner, findOwner, setOwnerCredentials } from "../../src/auth/owner.ts";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { FaztError } from "../../src/core/errors.ts";
import { useTempStore } from "../helpers/store.ts";

const db = useTempStore();

describe("API keys", () => {
  test("a minted key verifies; only the secret's hash is stored", () => {
    const { key, token } = createApiKey(db.current, { name: "laptop" });
    expect(key.scope).toBe("admin");
    expect(token).toMatch(/^fazt_key_[a-z2-7]{16}_[a-z2-7]{39}$/);
    const secret = token.split("_").pop()!;
    const dump = JSON.stringify(db.current.sqlite.query("SELECT * FROM api_keys").all());
    expect(dump).not.toContain(secret);
    expect(verifyApiKey(db.current, token)?.id).toBe(key.id);
  });

  test("a changed secret, an unknown id or a malformed token is refused", () => {
    const { token } = createApiKey(db.current, { name: "x", scope: "deploy" });
    const last = token.at(-1) === "a" ? "b" : "a";
    expect(verifyApiKey(db.current, token.slice(0, -1) + last)).toBeNull();
    expect(verifyApiKey(db.current, token.replace(/key_[a-z2-7]{16}/, "key_aaaaaaaaaaaaaaaa"))).toBeNull();
    for (const bad of [
      "",
      "fazt_",
      "Bearer x",
      `${token}x`,
      token.toUpperCase(),
      `fazt_key_x' OR 1=1 --_abc`,
    ]) {
      expect(verifyApiKey(db.current, bad)).toBeNull();
    }
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
    const { key, token } = createApiKey(db.current, { name: "gone" });
    deleteApiKey(db.current, key.id);
    expect(verifyApiKey(db.current, token)).toBeNull();
    expect(() => deleteApiKey(db.current, key.id)).toThrow(FaztError);
  });
});

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
        db.current.sqlite.query("SELECT password_hash FROM users WHERE id = ?").get(owner.id) as {
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
