import { FaztError } from "../core/index.ts";
import type { AccountsDb } from "./db.ts";

export type Role = "owner" | "admin" | "user";

/** A user as the API shows it: never a password hash. */
export interface UserInfo {
  id: string;
  username: string | null;
  email: string | null;
  name: string | null;
  picture: string | null;
  role: Role;
  createdAt: number;
  lastLoginAt: number | null;
}

/** Aliases are quoted: PostgreSQL folds unquoted names to lower case. */
export const USER_COLUMNS = `id, username, email, name, picture, role, created_at AS "createdAt", last_login_at AS "lastLoginAt"`;

export function getUser(store: AccountsDb, id: string): UserInfo | null {
  return store.engine.get<UserInfo>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]);
}

/** The user a password sign-in names: by username, or by email (both case-insensitive). */
export function findUserForLogin(
  store: AccountsDb,
  login: string,
): (UserInfo & { passwordHash: string | null }) | null {
  const key = login.trim().toLowerCase();
  return store.engine.get<UserInfo & { passwordHash: string | null }>(
    `SELECT ${USER_COLUMNS}, password_hash AS "passwordHash" FROM users
     WHERE lower(username) = ? OR lower(email) = ? ORDER BY role = 'owner' DESC LIMIT 1`,
    [key, key],
  );
}

export function listUsers(
  store: AccountsDb,
  page: { limit: number; offset: number },
): { users: UserInfo[]; total: number } {
  // id breaks ties: both engines page the same users in the same order.
  const users = store.engine.all<UserInfo>(
    `SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, id LIMIT ? OFFSET ?`,
    [page.limit, page.offset],
  );
  const total = store.engine.get<{ n: number }>("SELECT count(*) AS n FROM users")?.n ?? 0;
  return { users, total };
}

export function touchLogin(store: AccountsDb, id: string): void {
  store.engine.run("UPDATE users SET last_login_at = ? WHERE id = ?", [Date.now(), id]);
}

/**
 * Changes a role. Nobody changes the owner's role or makes a second owner;
 * only the owner may make or unmake admins.
 */
export function setRole(store: AccountsDb, actor: { role: Role }, id: string, role: Role): UserInfo {
  const target = getUser(store, id);
  if (!target) throw new FaztError("NOT_FOUND", `no user ${id}`);
  if (role === "owner") throw new FaztError("FORBIDDEN", "there is one owner; the role cannot be given");
  if (target.role === "owner") throw new FaztError("FORBIDDEN", "the owner's role cannot be changed");
  if (actor.role !== "owner" && (role === "admin" || target.role === "admin")) {
    throw new FaztError("FORBIDDEN", "only the owner can make or unmake admins");
  }
  store.engine.run("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", [role, Date.now(), id]);
  return { ...target, role };
}

/** Deletes a user (their sessions and identities go with them). The owner cannot be deleted. */
export function deleteUser(store: AccountsDb, actor: { role: Role }, id: string): void {
  const target = getUser(store, id);
  if (!target) throw new FaztError("NOT_FOUND", `no user ${id}`);
  if (target.role === "owner") throw new FaztError("FORBIDDEN", "the owner cannot be deleted");
  if (target.role === "admin" && actor.role !== "owner") {
    throw new FaztError("FORBIDDEN", "only the owner can delete an admin");
  }
  store.engine.run("DELETE FROM users WHERE id = ?", [id]);
}
