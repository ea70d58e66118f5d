import { FaztError } from "../core/errors.ts";
import type { Store } from "../db/open.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { assertNotLocked, clearFailures, recordFailure } from "./rate-limit.ts";
import { findUserForLogin, touchLogin, type UserInfo } from "./users.ts";

// Verified against when the account does not exist, so both cases cost the same.
let dummyHash: Promise<string> | undefined;

/**
 * A password sign-in, with the limits of SPEC §7: locked IPs and accounts get
 * 429 first; unknown accounts do the same argon2 work as known ones; every
 * failure is the same 401, so it tells nothing about which part was wrong.
 */
export async function passwordLogin(
  store: Store,
  input: { login: string; password: string; ip: string },
): Promise<UserInfo> {
  const login = input.login.trim().toLowerCase();
  const keys = [`ip:${input.ip}`, `account:${login}`];
  assertNotLocked(store, keys);
  const user = findUserForLogin(store, login);
  dummyHash ??= hashPassword("fazt-dummy-password");
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash));
  if (!user?.passwordHash || !ok) {
    recordFailure(store, keys);
    throw new FaztError("UNAUTHORIZED", "wrong username or password");
  }
  clearFailures(store, `account:${login}`);
  touchLogin(store, user.id);
  const { passwordHash: _, ...info } = user;
  return info;
}
