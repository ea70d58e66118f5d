import { eq } from "drizzle-orm";
import * as v from "valibot";
import { FaztError } from "../core/errors.ts";
import { newId } from "../core/ids.ts";
import { parse } from "../core/validate.ts";
import type { Store } from "../db/open.ts";
import { users } from "../db/schema.ts";
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

export function findOwner(store: Store): Owner | undefined {
  return store.db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(eq(users.role, "owner"))
    .get();
}

/** Creates the instance's owner. There is exactly one; a second call is a conflict. */
export async function createOwner(
  store: Store,
  input: { username: string; password: string },
): Promise<Owner> {
  const username = parse(usernameSchema, input.username, "username");
  const password = parse(passwordSchema, input.password, "password");
  if (findOwner(store)) throw new FaztError("CONFLICT", "this instance already has an owner");
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  const id = newId("usr");
  store.db
    .insert(users)
    .values({ id, username, role: "owner", passwordHash, createdAt: now, updatedAt: now, name: username })
    .run();
  return { id, username };
}

/** Changes the owner's user name and/or password. Existing sessions of the owner end. */
export async function setOwnerCredentials(
  store: Store,
  input: { username?: string | undefined; password?: string | undefined },
): Promise<Owner> {
  const owner = findOwner(store);
  if (!owner) throw new FaztError("NOT_FOUND", "this instance has no owner yet: run `fazt server init`");
  const changes: Partial<typeof users.$inferInsert> = { updatedAt: Date.now() };
  if (input.username !== undefined) changes.username = parse(usernameSchema, input.username, "username");
  if (input.password !== undefined) {
    changes.passwordHash = await hashPassword(parse(passwordSchema, input.password, "password"));
  }
  if (changes.username === undefined && changes.passwordHash === undefined) {
    throw new FaztError("USAGE", "nothing to change: give --username and/or --password");
  }
  try {
    store.sqlite.transaction(() => {
      store.db.update(users).set(changes).where(eq(users.id, owner.id)).run();
      if (changes.passwordHash) store.sqlite.query("DELETE FROM sessions WHERE user_id = ?").run(owner.id);
    })();
  } catch (e) {
    if (String(e).includes("UNIQUE"))
      throw new FaztError("CONFLICT", `user name "${changes.username}" is taken`);
    throw e;
  }
  return { id: owner.id, username: changes.username ?? owner.username };
}
