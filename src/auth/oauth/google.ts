import { oidcProfile } from "./oidc.ts";
import type { ProviderDef } from "./types.ts";

/** Google: OpenID Connect; `email_verified` is reliable. */
export const google: ProviderDef = {
  name: "google",
  label: "Google",
  kind: "oidc",
  defaultIssuer: "https://accounts.google.com",
  scope: "openid email profile",
  clientAuth: "post",
  profile: oidcProfile,
};
