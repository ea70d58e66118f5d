import { FaztError } from "../core/index.ts";
import type { AccountsDb } from "./db.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import { clearFailures, giveBackAttempt, takeAttempt } from "./rate-limit.ts";
import { findUserForLogin, touchLogin, type UserInfo } from "./users.ts";

// Verified against when the account does not exist, so both cases cost the same.
let dummyHash: Promise<string> | undefined;

/**
 * A password sign-in, with its limits (5 failures per 15 minutes per IP
 * and per account, see rate-limit.ts): the attempt takes its slot before the
 * password is checked, so concurrent guesses cannot outrun the count; locked
 * IPs and accounts get 429 even with the right password; unknown accounts do
 * the same argon2 work as known ones; every failure is the same 401.
 */
export async function passwordLogin(
  store: AccountsDb,
  input: { login: string; password: string; ip: string },
): Promise<UserInfo> {
  const login = input.login.trim().toLowerCase();
  const user = findUserForLogin(store, login);
  // By user id when the account exists: its user name and its email share one counter.
  const accountKey = `account:${user?.id ?? login}`;
  const ipKey = `ip:${input.ip}`;
  takeAttempt(store, [ipKey, accountKey]);
  dummyHash ??= hashPassword("fazt-dummy-password");
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash));
  if (!user?.passwordHash || !ok) throw new FaztError("UNAUTHORIZED", "wrong username or password");
  giveBackAttempt(store, [ipKey]);
  clearFailures(store, accountKey);
  touchLogin(store, user.id);
  const { passwordHash: _, ...info } = user;
  return info;
}
