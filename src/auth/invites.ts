import * as v from "valibot";
import { FaztError, newId, parse, randomToken, sha256Hex } from "../core/index.ts";
import { type AccountsDb, isUniqueViolation } from "./db.ts";
import { passwordSchema } from "./owner.ts";
import { hashPassword } from "./passwords.ts";
import { getUser, type Role, type UserInfo } from "./users.ts";

export const INVITE_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;
/** The longest an invite may stay open. */
export const MAX_INVITE_EXPIRY_MS = 365 * 24 * 60 * 60 * 1000;

export type InviteRole = "admin" | "user";
export type InviteStatus = "open" | "used" | "expired";

/** An invite as the API shows it: never its code (only the code's sha256 is stored). */
export interface InviteInfo {
  id: string;
  role: InviteRole;
  maxUses: number;
  uses: number;
  expiresAt: number | null;
  createdBy: string | null;
  createdAt: number;
  status: InviteStatus;
}

type InviteRow = Omit<InviteInfo, "status">;

const INVITE_COLUMNS = `id, role, max_uses AS "maxUses", uses, expires_at AS "expiresAt", created_by AS "createdBy", created_at AS "createdAt"`;

function statusOf(row: InviteRow, now: number): InviteStatus {
  if (row.expiresAt !== null && row.expiresAt <= now) return "expired";
  return row.uses >= row.maxUses ? "used" : "open";
}

const withStatus = (row: InviteRow, now = Date.now()): InviteInfo => ({ ...row, status: statusOf(row, now) });

export const createInviteSchema = v.strictObject({
  role: v.optional(v.picklist(["admin", "user"], 'must be "admin" or "user"'), "user"),
  maxUses: v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be a whole number"),
      v.minValue(1, "must be at least 1"),
      v.maxValue(1_000_000, "must be at most 1000000"),
    ),
    1,
  ),
  expiry: v.optional(
    v.pipe(
      v.number("must be a number of milliseconds"),
      v.integer("must be a whole number of milliseconds"),
      v.minValue(1000, "must be at least 1s"),
      v.maxValue(MAX_INVITE_EXPIRY_MS, "must be at most 365d"),
    ),
    INVITE_EXPIRY_MS,
  ),
});

export type CreateInviteInput = v.InferInput<typeof createInviteSchema>;

/**
 * Opens an invite. The code goes to the caller once; the database keeps its
 * sha256 only. Only the owner may invite admins (as only the owner may make
 * them: auth/users.ts).
 */
export function createInvite(
  store: AccountsDb,
  input: CreateInviteInput,
  createdBy: { role: Role; id: string | null },
): { invite: InviteInfo; code: string } {
  const { role, maxUses, expiry } = parse(createInviteSchema, input, "invite");
  if (role === "admin" && createdBy.role !== "owner") {
    throw new FaztError("FORBIDDEN", "only the owner can invite admins");
  }
  const code = randomToken(20);
  const now = Date.now();
  const row: InviteRow = {
    id: newId("inv"),
    role,
    maxUses,
    uses: 0,
    expiresAt: now + expiry,
    createdBy: createdBy.id,
    createdAt: now,
  };
  store.engine.run(
    "INSERT INTO invites (id, code_hash, role, max_uses, uses, expires_at, created_by, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
    [row.id, sha256Hex(code), row.role, row.maxUses, row.expiresAt, row.createdBy, row.createdAt],
  );
  return { invite: withStatus(row, now), code };
}

/** Every invite, newest first. Codes are not stored, so they cannot be listed. */
export function listInvites(store: AccountsDb): InviteInfo[] {
  const now = Date.now();
  return store.engine
    .all<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites ORDER BY created_at DESC, id`)
    .map((r) => withStatus(r, now));
}

/** Codes are 32 base32 characters; anything else cannot be one and is not looked up. */
const CODE_RE = /^[a-z2-7]{32}$/;

function findInvite(store: AccountsDb, code: string): InviteRow | null {
  if (!CODE_RE.test(code)) return null;
  return store.engine.get<InviteRow>(`SELECT ${INVITE_COLUMNS} FROM invites WHERE code_hash = ?`, [
    sha256Hex(code),
  ]);
}

/** Why a code cannot be redeemed (docs/admin-api.md): unknown 404, used up 409, expired 410. */
function refusal(row: InviteRow | null, now: number): FaztError | null {
  if (!row) return new FaztError("NOT_FOUND", "this invite link is not valid");
  const status = statusOf(row, now);
  if (status === "expired") return new FaztError("GONE", "this invite has expired");
  if (status === "used") return new FaztError("CONFLICT", "this invite has already been used");
  return null;
}

/** The invite a code opens, if it can still be redeemed; throws the refusal otherwise. */
export function checkInvite(store: AccountsDb, code: string, now = Date.now()): InviteInfo {
  const row = findInvite(store, code);
  const refused = refusal(row, now);
  if (refused || !row) throw refused ?? new FaztError("NOT_FOUND", "this invite link is not valid");
  return withStatus(row, now);
}

export const redeemSchema = v.object({
  email: v.pipe(
    v.string("is required"),
    v.trim(),
    v.toLowerCase(),
    v.maxLength(254, "is too long"),
    v.email("must be an email address"),
  ),
  password: v.pipe(v.string("is required"), passwordSchema),
  name: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.maxLength(100, "must be at most 100 characters"),
      v.transform((s) => s || undefined),
    ),
  ),
});

export type RedeemInput = v.InferInput<typeof redeemSchema>;

/**
 * Redeems an invite: a new user with the invite's role, an email and a
 * password. The use is counted and the user created in one IMMEDIATE
 * transaction, and the count only moves while `uses < max_uses` (one
 * UPDATE: PostgreSQL re-checks it on the row it waited for), so a
 * single-use code makes exactly one user however many requests race for it.
 * The argon2 hash is computed before, to keep the write lock short.
 */
export async function redeemInvite(store: AccountsDb, code: string, input: unknown): Promise<UserInfo> {
  const { email, password, name } = parse(redeemSchema, input, "body");
  // A cheap look first: unknown, used or expired codes cost no argon2 work.
  checkInvite(store, code);
  const passwordHash = await hashPassword(password);
  const codeHash = sha256Hex(code);
  const id = newId("usr");
  store.engine.transaction(
    () => {
      const now = Date.now();
      const counted = store.engine.run(
        "UPDATE invites SET uses = uses + 1 WHERE code_hash = ? AND uses < max_uses AND (expires_at IS NULL OR expires_at > ?)",
        [codeHash, now],
      );
      if (counted.changes !== 1) {
        const row = findInvite(store, code);
        throw refusal(row, now) ?? new FaztError("CONFLICT", "this invite has already been used");
      }
      const role = store.engine.get<{ role: InviteRole }>("SELECT role FROM invites WHERE code_hash = ?", [
        codeHash,
      ])!.role;
      const taken = store.engine.get<{ id: string }>(
        "SELECT id FROM users WHERE lower(email) = ? OR lower(username) = ? LIMIT 1",
        [email, email],
      );
      // Throwing rolls the use back: the invite stays open for another try.
      if (taken)
        throw new FaztError("CONFLICT", "an account with this email exists already: sign in instead");
      try {
        store.engine.run(
          "INSERT INTO users (id, username, email, name, role, password_hash, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?)",
          [id, email, name ?? null, role, passwordHash, now, now],
        );
      } catch (e) {
        if (isUniqueViolation(e)) {
          throw new FaztError("CONFLICT", "an account with this email exists already: sign in instead");
        }
        throw e;
      }
    },
    { immediate: true },
  );
  const user = getUser(store, id);
  if (!user) throw new FaztError("INTERNAL", "the new user could not be read back");
  return user;
}
