import * as v from "valibot";
import { digestsEqual, sha256Hex } from "../core/crypto.ts";
import { FaztError } from "../core/errors.ts";
import { newId, randomToken } from "../core/ids.ts";
import { parse } from "../core/validate.ts";
import type { Store } from "../db/open.ts";

export type KeyScope = "admin" | "deploy";

export const createKeySchema = v.strictObject({
  name: v.pipe(v.string(), v.trim(), v.minLength(1, "is required"), v.maxLength(100, "is too long")),
  scope: v.optional(v.picklist(["admin", "deploy"], "must be admin or deploy"), "admin"),
});

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: KeyScope;
  createdAt: number;
  lastUsedAt: number | null;
  /**
   * Whose authority the key carries (within its scope): keys minted by the
   * owner — through the API, or with the database in hand (`server
   * create-key`, the CLI's `local` peer) — act as the owner; others as an admin.
   */
  actsAs?: "owner" | "admin";
}

/**
 * Mints a key `fazt_<id>_<secret>`. Only the secret's sha256 is stored: the
 * returned token is the one and only time the secret exists in clear.
 */
export function createApiKey(
  store: Store,
  input: unknown,
  createdBy: string | null = null,
): { key: ApiKeyInfo; token: string } {
  const { name, scope } = parse(createKeySchema, input, "key");
  const id = newId("key");
  const secret = randomToken(24);
  const now = Date.now();
  store.sqlite
    .query(
      "INSERT INTO api_keys (id, name, scope, secret_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .run(id, name, scope, sha256Hex(secret), createdBy, now);
  return { key: { id, name, scope, createdAt: now, lastUsedAt: null }, token: `fazt_${id}_${secret}` };
}

const TOKEN = /^fazt_(key_[a-z2-7]{16})_([a-z2-7]{20,100})$/;

/**
 * Checks a bearer token: one lookup by id, then a constant-time comparison of
 * hashes, so the cost never depends on how many keys exist.
 */
export function verifyApiKey(store: Store, token: string): ApiKeyInfo | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const row = store.sqlite
    .query<
      {
        id: string;
        name: string;
        scope: KeyScope;
        secret_hash: string;
        created_at: number;
        last_used_at: number | null;
        creator_role: "owner" | "admin" | "user" | null;
      },
      [string]
    >(
      `SELECT k.id, k.name, k.scope, k.secret_hash, k.created_at, k.last_used_at, u.role AS creator_role
       FROM api_keys k LEFT JOIN users u ON u.id = k.created_by WHERE k.id = ?`,
    )
    .get(m[1]!);
  const presented = sha256Hex(m[2]!);
  // Compare against a dummy when the id is unknown, so timing does not tell.
  if (!digestsEqual(presented, row?.secret_hash ?? "0".repeat(64)) || !row) return null;
  const now = Date.now();
  // Writing on every request would serialise reads behind the writer; a minute's precision is enough.
  if (!row.last_used_at || now - row.last_used_at > 60_000) {
    store.sqlite.query("UPDATE api_keys SET last_used_at = ? WHERE id = ?").run(now, row.id);
  }
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    createdAt: row.created_at,
    lastUsedAt: now,
    actsAs: row.creator_role === "owner" ? "owner" : "admin",
  };
}

export function listApiKeys(store: Store): ApiKeyInfo[] {
  return store.sqlite
    .query<ApiKeyInfo, []>(
      "SELECT id, name, scope, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_keys ORDER BY created_at DESC",
    )
    .all();
}

export function deleteApiKey(store: Store, id: string): void {
  const res = store.sqlite.query("DELETE FROM api_keys WHERE id = ?").run(id);
  if (res.changes === 0) throw new FaztError("NOT_FOUND", `no API key ${id}`);
}
