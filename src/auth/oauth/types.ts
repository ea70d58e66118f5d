import type * as oauth from "oauth4webapi";
import * as v from "valibot";

/** How long a started sign-in may take at the provider. */
export const STATE_TTL_MS = 10 * 60 * 1000;

export const PROVIDER_NAMES = ["google", "github", "discord", "microsoft", "oidc"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What one provider account says about its person, checked and normalised. */
export interface Profile {
  /** The provider's stable id for the account (`sub`, GitHub's numeric id, Discord's snowflake). */
  subject: string;
  /** Lower-cased; null when the provider gave none. */
  email: string | null;
  /** True only when the provider vouches for the address; only then may it match an existing user. */
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
}

/** What a provider is given to work out the profile after the code exchange. */
export interface ProfileInput {
  as: oauth.AuthorizationServer;
  tokens: oauth.TokenEndpointResponse;
  /** The validated ID token claims (OIDC only). */
  claims: oauth.IDToken | undefined;
  /** The userinfo answer (OIDC with a userinfo endpoint), its `sub` already checked. */
  userinfo: oauth.UserInfoResponse | undefined;
  /** GET a JSON resource with the access token (OAuth2 providers' user endpoints). */
  getJson(url: string): Promise<unknown>;
}

export interface OAuth2Endpoints {
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
}

/**
 * One provider behind the common interface: OpenID Connect ones are found by
 * discovery of their issuer; OAuth2 ones have fixed endpoints and a user API.
 */
export type ProviderDef = {
  name: ProviderName;
  label: string;
  scope: string;
  /** How the client authenticates at the token endpoint. */
  clientAuth: "post" | "basic";
  profile(input: ProfileInput): Promise<Profile> | Profile;
} & (
  | {
      kind: "oidc";
      /** The issuer discovered when none is configured (`oidc` has none: it must be given). */
      defaultIssuer: string | null;
      /**
       * The issuer to accept from the discovery document, given the one
       * configured (Microsoft's multi-tenant `common` issuer answers with a
       * `{tenantid}` template); undefined = must be equal.
       */
      discoveredIssuer?(configured: string, announced: string): string | undefined;
      /** The issuer an ID token must carry, when it is not the discovered one verbatim. */
      tokenIssuer?(asIssuer: string, claims: Record<string, unknown>): string;
    }
  | { kind: "oauth2"; defaults: OAuth2Endpoints }
);

const text = (max: number) => v.pipe(v.string(), v.trim(), v.maxLength(max));

/** Normalises what a provider said into a Profile; a missing or odd subject is refused. */
export const profileSchema = v.object({
  subject: v.pipe(v.string(), v.minLength(1, "is missing"), v.maxLength(255, "is too long")),
  email: v.nullable(
    v.fallback(v.nullable(v.pipe(v.string(), v.trim(), v.toLowerCase(), v.maxLength(320), v.email())), null),
  ),
  emailVerified: v.boolean(),
  name: v.nullable(v.fallback(v.nullable(text(200)), null)),
  picture: v.nullable(
    v.fallback(v.nullable(v.pipe(v.string(), v.maxLength(2000), v.url(), v.startsWith("https://"))), null),
  ),
});

/** A claim as a string, or null. */
export const str = (x: unknown): string | null => (typeof x === "string" && x !== "" ? x : null);
