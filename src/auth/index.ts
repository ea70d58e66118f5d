/** Accounts and credentials: users, passwords, sessions, API keys, sign-in limits. */
export {
  type ApiKeyInfo,
  createApiKey,
  createKeySchema,
  deleteApiKey,
  type KeyScope,
  listApiKeys,
  verifyApiKey,
} from "./api-keys.ts";
export { clearSessionCookie, readCookie, sessionCookie, withoutSessionCookie } from "./cookies.ts";
export { passwordLogin } from "./login.ts";
export {
  createOwner,
  findOwner,
  type Owner,
  passwordSchema,
  setOwnerCredentials,
  usernameSchema,
} from "./owner.ts";
export { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
export { safeRedirect } from "./redirects.ts";
export { createSession, endSession, SESSION_COOKIE, sessionUser, sweepSessions } from "./sessions.ts";
export { deleteUser, getUser, listUsers, type Role, setRole, type UserInfo } from "./users.ts";
