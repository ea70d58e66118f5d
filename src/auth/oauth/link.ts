import { FaztError, newId } from "../../core/index.ts";
import { type AccountsDb, lockNames } from "../db.ts";
import { getUser, type UserInfo } from "../users.ts";
import { providerDef } from "./providers.ts";
import type { Profile, ProviderName } from "./types.ts";

/**
 * Which user a provider account signs in as (one user base for the whole
 * instance; apps decide who may do what):
 *
 * 1. The user this (provider, subject) signed in as before — the only way an
 *    identity ever joins an existing user.
 * 2. Else, when the account's VERIFIED email already belongs to a user: 409,
 *    shown as a page. An email match alone never joins accounts: whoever
 *    registered the address first (an invitee who typed it, unverified) must
 *    not be merged with whoever owns it at the provider, nor the other way round.
 * 3. Else a new user with role `user`. Sign-in through an enabled provider is
 *    open to anyone who has an account there: enabling a provider is the
 *    owner's choice to let people in; what they may do is up to each app.
 *    The new user's email is set only from a verified address, so an
 *    unverified one can neither match nor claim an address for later.
 *
 * Runs in one IMMEDIATE transaction (PostgreSQL: under an advisory lock on
 * the account): two simultaneous first sign-ins of one account cannot create
 * two users.
 */
export function linkAccount(store: AccountsDb, provider: ProviderName, profile: Profile): UserInfo {
  const db = store.engine;
  const userId = db.transaction(
    (): string => {
      lockNames(db, [`identity:${provider}:${profile.subject}`]);
      const now = Date.now();
      const known = db.get<{ id: string; user_id: string }>(
        "SELECT id, user_id FROM identities WHERE provider = ? AND provider_user_id = ?",
        [provider, profile.subject],
      );
      if (known) {
        db.run("UPDATE identities SET email = ?, email_verified = ? WHERE id = ?", [
          profile.email,
          profile.emailVerified ? 1 : 0,
          known.id,
        ]);
        return known.user_id;
      }

      const verifiedEmail = profile.emailVerified ? profile.email : null;
      const taken = verifiedEmail
        ? db.get<{ id: string }>("SELECT id FROM users WHERE lower(email) = ?", [verifiedEmail])
        : null;
      if (taken) {
        throw new FaztError(
          "CONFLICT",
          `An account with the email ${verifiedEmail} already exists here, and it has never signed in with this ${providerDef(provider)?.label ?? provider} account. Sign in the way that account was made (its password, or the provider it used); accounts are never joined by email alone.`,
        );
      }
      const id = newId("usr");
      db.run(
        "INSERT INTO users (id, username, email, name, picture, role, password_hash, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, 'user', NULL, ?, ?)",
        [id, verifiedEmail, profile.name, profile.picture, now, now],
      );
      db.run(
        "INSERT INTO identities (id, user_id, provider, provider_user_id, email, email_verified, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [newId("idn"), id, provider, profile.subject, profile.email, profile.emailVerified ? 1 : 0, now],
      );
      return id;
    },
    { immediate: true },
  );
  const user = getUser(store, userId);
  if (!user) throw new FaztError("INTERNAL", "the signed-in user vanished");
  return user;
}
