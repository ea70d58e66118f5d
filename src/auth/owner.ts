import * as v from "valibot";
import { FaztError, newId, parse } from "../core/index.ts";
import { type AccountsDb, isUniqueViolation, lockNames } from "./db.ts";
import { hashPassword } from "./passwords.ts";

export const usernameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'"),
);
export const passwordSchema = v.pipe(
  v.string(),
  v.minLength(8, "must be at least 8 characters"),
  v.maxLength(1024, "must be at most 1024 characters"),
);

export interface Owner {
  id: string;
  username: string | null;
}

export function findOwner(store: AccountsDb): Owner | undefined {
  return store.engine.get<Owner>("SELECT id, username FROM users WHERE role = 'owner' LIMIT 1") ?? undefined;
}

/** Creates the instance's owner. There is exactly one; a second call is a conflict. */
export async function createOwner(
  store: AccountsDb,
  input: { username: string; password: string },
): Promise<Owner> {
  const username = parse(usernameSchema, input.username, "username");
  const password = parse(passwordSchema, input.password, "password");
  if (findOwner(store)) throw new FaztError("CONFLICT", "this instance already has an owner");
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  const id = newId("usr");
  // Checked again under the write lock: two first runs racing (two nodes) still make one owner.
  store.engine.transaction(
    () => {
      lockNames(store.engine, ["owner"]);
      if (findOwner(store)) throw new FaztError("CONFLICT", "this instance already has an owner");
      store.engine.run(
        "INSERT INTO users (id, username, name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'owner', ?, ?, ?)",
        [id, username, username, passwordHash, now, now],
      );
    },
    { immediate: true },
  );
  return { id, username };
}

/** Changes the owner's user name and/or password. Existing sessions of the owner end. */
export async function setOwnerCredentials(
  store: AccountsDb,
  input: { username?: string | undefined; password?: string | undefined },
): Promise<Owner> {
  const owner = findOwner(store);
  if (!owner) throw new FaztError("NOT_FOUND", "this instance has no owner yet: run `fazt server init`");
  const username =
    input.username === undefined ? undefined : parse(usernameSchema, input.username, "username");
  const passwordHash =
    input.password === undefined
      ? undefined
      : await hashPassword(parse(passwordSchema, input.password, "password"));
  if (username === undefined && passwordHash === undefined) {
    throw new FaztError("USAGE", "nothing to change: give --username and/or --password");
  }
  try {
    store.engine.transaction(() => {
      store.engine.run(
        "UPDATE users SET username = coalesce(?, username), password_hash = coalesce(?, password_hash), updated_at = ? WHERE id = ?",
        [username ?? null, passwordHash ?? null, Date.now(), owner.id],
      );
      if (passwordHash) store.engine.run("DELETE FROM sessions WHERE user_id = ?", [owner.id]);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new FaztError("CONFLICT", `user name "${username}" is taken`);
    throw e;
  }
  return { id: owner.id, username: username ?? owner.username };
}
