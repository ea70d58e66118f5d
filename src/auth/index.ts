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
export { clearSessionCookies, readCookie, sessionCookie, withoutSessionCookie } from "./cookies.ts";
export { consumeHandoff, HANDOFF_TTL_MS, isHandoffToken, issueHandoff } from "./handoff.ts";
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
export { absoluteTarget, safeRedirect } from "./redirects.ts";
export {
  createChildSession,
  createSession,
  endSession,
  SESSION_COOKIE,
  type SessionInfo,
  sessionOf,
  sessionUser,
  sweepSessions,
} from "./sessions.ts";
export { deleteUser, getUser, listUsers, type Role, setRole, type UserInfo } from "./users.ts";
