import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApiKey, deleteApiKey, listApiKeys, verifyApiKey } from "../../src/auth/api-keys.ts";
import { createOwner, findOwner, setOwnerCredentials } from "../../src/auth/owner.ts";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { FaztError } from "../../src/core/errors.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

let store: Store;
beforeAll(async () => {
  store = await openDatabase(join(tempDir(), "data.db"));
});
afterAll(() => {
  store.close();
  cleanupTemp();
});

describe("API keys", () => {
  test("a minted key verifies; only the secret's hash is stored", () => {
    const { key, token } = createApiKey(store, { name: "laptop" });
    expect(key.scope).toBe("admin");
    expect(token).toMatch(/^fazt_key_[a-z2-7]{16}_[a-z2-7]{39}$/);
    const secret = token.split("_").pop()!;
    const dump = JSON.stringify(store.sqlite.query("SELECT * FROM api_keys").all());
    expect(dump).not.toContain(secret);
    expect(verifyApiKey(store, token)?.id).toBe(key.id);
  });

  test("a changed secret, an unknown id or a malformed token is refused", () => {
    const { token } = createApiKey(store, { name: "x", scope: "deploy" });
    const last = token.at(-1) === "a" ? "b" : "a";
    expect(verifyApiKey(store, token.slice(0, -1) + last)).toBeNull();
    expect(verifyApiKey(store, token.replace(/key_[a-z2-7]{16}/, "key_aaaaaaaaaaaaaaaa"))).toBeNull();
    for (const bad of [
      "",
      "fazt_",
      "Bearer x",
      `${token}x`,
      token.toUpperCase(),
      `fazt_key_x' OR 1=1 --_abc`,
    ]) {
      expect(verifyApiKey(store, bad)).toBeNull();
    }
  });

  test("verification records last use", () => {
    const { key, token } = createApiKey(store, { name: "used" });
    expect(listApiKeys(store).find((k) => k.id === key.id)?.lastUsedAt).toBeNull();
    verifyApiKey(store, token);
    expect(listApiKeys(store).find((k) => k.id === key.id)?.lastUsedAt).toBeGreaterThan(0);
  });

  test("bad input is refused; a deleted key stops working", () => {
    expect(() => createApiKey(store, { name: "" })).toThrow(FaztError);
    expect(() => createApiKey(store, { name: "x", scope: "root" })).toThrow(FaztError);
    const { key, token } = createApiKey(store, { name: "gone" });
    deleteApiKey(store, key.id);
    expect(verifyApiKey(store, token)).toBeNull();
    expect(() => deleteApiKey(store, key.id)).toThrow(FaztError);
  });
});

describe("owner", () => {
  test("one owner, argon2id hash, credentials change", async () => {
    await createOwner(store, { username: "Admin", password: "first-password" });
    const owner = findOwner(store)!;
    expect(owner.username).toBe("admin");
    await expect(createOwner(store, { username: "other", password: "first-password" })).rejects.toThrow(
      "already has an owner",
    );
    const hash = () =>
      (
        store.sqlite.query("SELECT password_hash FROM users WHERE id = ?").get(owner.id) as {
          password_hash: string;
        }
      ).password_hash;
    expect(hash()).toStartWith("$argon2id$");
    await setOwnerCredentials(store, { password: "second-password" });
    expect(await verifyPassword("second-password", hash())).toBe(true);
    expect(await verifyPassword("first-password", hash())).toBe(false);
    await expect(setOwnerCredentials(store, { password: "short" })).rejects.toThrow("at least 8");
    await expect(setOwnerCredentials(store, {})).rejects.toThrow("nothing to change");
  });
});
