import type { Profile, ProfileInput, ProviderDef } from "./types.ts";
import { str } from "./types.ts";

/**
 * The profile of an OpenID Connect account: the validated ID token's claims
 * with the userinfo answer on top (its `sub` was checked against the token's).
 */
export function oidcProfile(input: ProfileInput): Profile {
  const c: Record<string, unknown> = { ...input.claims, ...input.userinfo };
  return {
    subject: str(input.claims?.sub) ?? "",
    email: str(c.email),
    emailVerified: c.email_verified === true,
    name: str(c.name) ?? str(c.preferred_username),
    picture: str(c.picture),
  };
}

/** Any OpenID Connect issuer (Keycloak, Authentik, …), given with `--issuer`. */
export const oidc: ProviderDef = {
  name: "oidc",
  label: "single sign-on",
  kind: "oidc",
  defaultIssuer: null,
  scope: "openid email profile",
  clientAuth: "basic",
  profile: oidcProfile,
};
