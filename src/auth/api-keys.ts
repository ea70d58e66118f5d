import * as v from "valibot";
import { appNameSchema } from "../apps/index.ts";
import { digestsEqual, FaztError, newId, parse, randomToken, sha256Hex } from "../core/index.ts";
import type { AccountsDb } from "./db.ts";
import type { Role } from "./users.ts";

export type KeyScope = "admin" | "deploy";

/**
 * The roles a key's maker must still hold for the key to work. Deploy keys
 * ask as much as admin keys: only the owner and admins mint keys at all, and
 * a demoted admin's deploy key would otherwise keep rewriting every app.
 */
const MAKER_ROLES: Record<KeyScope, readonly Role[]> = {
  admin: ["owner", "admin"],
  deploy: ["owner", "admin"],
};

export const createKeySchema = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.trim(), v.minLength(1, "is required"), v.maxLength(100, "is too long")),
    scope: v.optional(v.picklist(["admin", "deploy"], "must be admin or deploy"), "admin"),
    apps: v.optional(
      v.pipe(
        v.array(appNameSchema, "must be a list of app names"),
        v.minLength(1, "must name at least one app (leave it out for any app)"),
        v.maxLength(100, "names more than 100 apps"),
        v.transform((names) => [...new Set(names)].sort()),
      ),
    ),
  }),
  v.forward(
    v.check((k) => k.apps === undefined || k.scope === "deploy", "only deploy keys can be limited to apps"),
    ["apps"],
  ),
);

/** Who made a key, as the key list shows it; null when that user was deleted. */
export interface KeyMaker {
  id: string;
  username: string | null;
  email: string | null;
  role: Role;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  scope: KeyScope;
  /** `deploy` keys limited to these apps; null = any app. */
  apps: string[] | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** The user whose authority the key carries (for keys minted by keys: the original maker). */
  createdBy: string | null;
  /** The key acts with its maker's role (within its scope): the owner's keys as the owner. */
  actsAs: "owner" | "admin";
}

/** A key in the list: its maker, and whether it still works. */
export interface ApiKeyListing extends Omit<ApiKeyInfo, "actsAs"> {
  maker: KeyMaker | null;
  active: boolean;
}

interface KeyRow {
  id: string;
  name: string;
  scope: KeyScope;
  apps: string | null;
  secret_hash: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  maker_username: string | null;
  maker_email: string | null;
  maker_role: Role | null;
}

const KEY_SELECT = `SELECT k.id, k.name, k.scope, k.apps, k.secret_hash, k.created_by, k.created_at, k.last_used_at,
  u.username AS maker_username, u.email AS maker_email, u.role AS maker_role
  FROM api_keys k LEFT JOIN users u ON u.id = k.created_by`;

/** Why a key may not act, or null when it may: its maker must exist and hold the role its scope needs. */
function makerProblem(row: Pick<KeyRow, "scope" | "maker_role">): string | null {
  if (!row.maker_role) return "the user who made it no longer exists (or was never recorded)";
  if (!MAKER_ROLES[row.scope].includes(row.maker_role)) {
    return `the user who made it no longer holds the role a ${row.scope} key needs (admin or owner)`;
  }
  return null;
}

function infoOf(row: KeyRow): Omit<ApiKeyInfo, "actsAs"> {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    apps: row.apps === null ? null : (JSON.parse(row.apps) as string[]),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    createdBy: row.created_by,
  };
}

/**
 * Mints a key `fazt_<id>_<secret>`. Only the secret's sha256 is stored: the
 * returned token is the one and only time the secret exists in clear.
 * `makerId` is the user the key acts for (a session's user, or the original
 * maker of the key that mints it); absent or null means minted with the
 * database in hand (`server create-key`, the CLI's own peer): the owner's.
 */
export function createApiKey(
  store: AccountsDb,
  input: unknown,
  makerId?: string | null,
): { key: ApiKeyInfo; token: string } {
  const { name, scope, apps } = parse(createKeySchema, input, "key");
  const maker = makerId
    ? store.engine.get<{ id: string; role: Role }>("SELECT id, role FROM users WHERE id = ?", [makerId])
    : store.engine.get<{ id: string; role: Role }>("SELECT id, role FROM users WHERE role = 'owner'");
  if (!maker) {
    throw makerId
      ? new FaztError("FORBIDDEN", "the user this key would act for no longer exists")
      : new FaztError("NOT_FOUND", "this instance has no owner yet: run `fazt server init`");
  }
  if (!MAKER_ROLES[scope].includes(maker.role)) {
    throw new FaztError("FORBIDDEN", `a ${scope} key needs its maker to be an admin or the owner`);
  }
  const id = newId("key");
  const secret = randomToken(24);
  const now = Date.now();
  store.engine.run(
    "INSERT INTO api_keys (id, name, scope, apps, secret_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [id, name, scope, apps ? JSON.stringify(apps) : null, sha256Hex(secret), maker.id, now],
  );
  const key: ApiKeyInfo = {
    id,
    name,
    scope,
    apps: apps ?? null,
    createdAt: now,
    lastUsedAt: null,
    createdBy: maker.id,
    actsAs: maker.role === "owner" ? "owner" : "admin",
  };
  return { key, token: `fazt_${id}_${secret}` };
}

const TOKEN = /^fazt_(key_[a-z2-7]{16})_([a-z2-7]{20,100})$/;

/**
 * What a presented token is worth: a working key; a right secret whose key
 * may no longer act (`disabled` says why: its maker was deleted or demoted —
 * keys of makers deleted before makers were checked have none and stay off);
 * or nothing (`disabled: null`: unknown id, wrong secret, malformed).
 */
export type KeyCheck = { ok: true; key: ApiKeyInfo } | { ok: false; disabled: string | null };

/**
 * Checks a bearer token: one lookup by id, then a constant-time comparison of
 * hashes, so the cost never depends on how many keys exist. Never cached: a
 * key deleted, or its maker demoted, on one node stops working on every node
 * at once.
 */
export function verifyApiKey(store: AccountsDb, token: string): KeyCheck {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, disabled: null };
  const row = store.engine.get<KeyRow>(`${KEY_SELECT} WHERE k.id = ?`, [m[1]!]);
  const presented = sha256Hex(m[2]!);
  // Compare against a dummy when the id is unknown, so timing does not tell.
  if (!digestsEqual(presented, row?.secret_hash ?? "0".repeat(64)) || !row)
    return { ok: false, disabled: null };
  const problem = makerProblem(row);
  if (problem) return { ok: false, disabled: `this API key no longer works: ${problem}` };
  const now = Date.now();
  // Writing on every request would serialise reads behind the writer; a minute's precision is enough.
  if (!row.last_used_at || now - row.last_used_at > 60_000) {
    store.engine.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now, row.id]);
  }
  return {
    ok: true,
    key: { ...infoOf(row), lastUsedAt: now, actsAs: row.maker_role === "owner" ? "owner" : "admin" },
  };
}

/** Every key with its maker, scope, apps, last use and whether it still works; never a secret. */
export function listApiKeys(store: AccountsDb): ApiKeyListing[] {
  return store.engine.all<KeyRow>(`${KEY_SELECT} ORDER BY k.created_at DESC, k.id`).map((row) => ({
    ...infoOf(row),
    maker:
      row.created_by && row.maker_role
        ? { id: row.created_by, username: row.maker_username, email: row.maker_email, role: row.maker_role }
        : null,
    active: makerProblem(row) === null,
  }));
}

export function deleteApiKey(store: AccountsDb, id: string): void {
  const res = store.engine.run("DELETE FROM api_keys WHERE id = ?", [id]);
  if (res.changes === 0) throw new FaztError("NOT_FOUND", `no API key ${id}`);
}
