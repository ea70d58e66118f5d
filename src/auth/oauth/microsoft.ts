import { oidcProfile } from "./oidc.ts";
import type { ProviderDef } from "./types.ts";

const MULTI_TENANT = /^https:\/\/login\.microsoftonline\.com\/(common|organizations|consumers)\/v2\.0\/?$/;
const TENANT_TEMPLATE = "{tenantid}";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft (Entra ID / personal accounts): OpenID Connect. The multi-tenant
 * issuers (`common`, `organizations`, `consumers`) announce a `{tenantid}`
 * template or one fixed tenant; ID tokens then carry the account's own tenant
 * in `iss`, checked against the template filled with the token's `tid`.
 *
 * Microsoft's `email` claim is not verified (anyone can put any address on an
 * Entra tenant), so it counts as verified only with `email_verified` or the
 * `xms_edov` (email domain owner verified) optional claim.
 */
export const microsoft: ProviderDef = {
  name: "microsoft",
  label: "Microsoft",
  kind: "oidc",
  defaultIssuer: "https://login.microsoftonline.com/common/v2.0",
  scope: "openid email profile",
  clientAuth: "post",
  discoveredIssuer(configured, announced) {
    if (!MULTI_TENANT.test(configured)) return undefined;
    if (announced === `https://login.microsoftonline.com/${TENANT_TEMPLATE}/v2.0`) return announced;
    const m = /^https:\/\/login\.microsoftonline\.com\/([^/]+)\/v2\.0$/.exec(announced);
    return m && GUID.test(m[1]!) ? announced : undefined;
  },
  tokenIssuer(asIssuer, claims) {
    if (!asIssuer.includes(TENANT_TEMPLATE)) return asIssuer;
    const tid = claims.tid;
    // A token without a well-formed tid cannot match: the template itself is never a valid issuer.
    return typeof tid === "string" && GUID.test(tid) ? asIssuer.replace(TENANT_TEMPLATE, tid) : asIssuer;
  },
  profile(input) {
    const p = oidcProfile(input);
    const c: Record<string, unknown> = { ...input.claims, ...input.userinfo };
    return { ...p, emailVerified: c.email_verified === true || c.xms_edov === true || c.xms_edov === "1" };
  },
};
