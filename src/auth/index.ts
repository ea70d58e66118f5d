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
export type { AccountsDb } from "./db.ts";
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
// Not through oauth/index.ts: that loads the sign-in flow, which is imported on first use (below).
export { enabledProvider, enabledProviderNames, listProviders, setProvider } from "./oauth/providers.ts";
export { sweepOauthStates } from "./oauth/states.ts";
export { STATE_TTL_MS } from "./oauth/types.ts";
export {
  createOwner,
  findOwner,
  type Owner,
  passwordSchema,
  setOwnerCredentials,
  usernameSchema,
} from "./owner.ts";
export { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
export { assertNotLocked, recordFailure, sweepLoginAttempts } from "./rate-limit.ts";
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

type SignInFlow = typeof import("./oauth/flow.ts");

/**
 * OAuth sign-in (oauth/flow.ts) needs oauth4webapi: imported on the first
 * sign-in, so a server whose owner never uses a provider does not load it.
 */
export async function startSignIn(
  ...args: Parameters<SignInFlow["startSignIn"]>
): ReturnType<SignInFlow["startSignIn"]> {
  return (await import("./oauth/flow.ts")).startSignIn(...args);
}

export async function finishSignIn(
  ...args: Parameters<SignInFlow["finishSignIn"]>
): ReturnType<SignInFlow["finishSignIn"]> {
  return (await import("./oauth/flow.ts")).finishSignIn(...args);
}
