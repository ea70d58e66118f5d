/**
 * Accounts and credentials: users, passwords, sessions and their cookies, API
 * keys, invites, sign-in limits, OAuth providers (oauth/) and the sign-in
 * handoff between hosts.
 */
export {
  type ApiKeyInfo,
  createApiKey,
  createKeySchema,
  deleteApiKey,
  type KeyScope,
  listApiKeys,
  verifyApiKey,
} from "./api-keys.ts";
export {
  clearOauthStateCookie,
  clearSessionCookies,
  HANDOFF_STATE_COOKIE,
  handoffStateCookie,
  OAUTH_STATE_COOKIE,
  oauthStateCookie,
  readCookie,
  sessionCookie,
  withoutSessionCookie,
} from "./cookies.ts";
export { consumeHandoff, HANDOFF_TTL_MS, isHandoffToken, issueHandoff } from "./handoff.ts";
export {
  checkInvite,
  createInvite,
  INVITE_EXPIRY_MS,
  listInvites,
  MAX_INVITE_EXPIRY_MS,
  redeemInvite,
} from "./invites.ts";
export { passwordLogin } from "./login.ts";
export {
  enabledProvider,
  finishSignIn,
  listProviders,
  STATE_TTL_MS,
  setProvider,
  startSignIn,
} from "./oauth/index.ts";
export {
  createOwner,
  findOwner,
  type Owner,
  passwordSchema,
  setOwnerCredentials,
  usernameSchema,
} from "./owner.ts";
export { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
export { assertNotLocked, recordFailure } from "./rate-limit.ts";
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
export { deleteUser, getUser, listUsers, type Role, setRole, touchLogin, type UserInfo } from "./users.ts";
