import { HSTS } from "../../web/index.ts";

/**
 * Headers every response carries (docs/hosting.md), for responses made elsewhere
 * (the admin app, errors); app hosts build them in one go (`hosting/respond.ts`).
 * Apps set their own CSP through `_headers`; the admin UI gets a strict one.
 */
export function applySecurityHeaders(headers: Headers, https: boolean): void {
  headers.set("x-content-type-options", "nosniff");
  if (!headers.has("referrer-policy")) headers.set("referrer-policy", "strict-origin-when-cross-origin");
  if (https) headers.set("strict-transport-security", HSTS);
}

export const ADMIN_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
