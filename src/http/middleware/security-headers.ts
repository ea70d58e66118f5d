/**
 * Headers every response carries (SPEC §6). Apps set their own CSP through
 * `_headers`; the admin UI gets a strict one from its own route.
 */
export function applySecurityHeaders(headers: Headers, https: boolean): void {
  headers.set("x-content-type-options", "nosniff");
  if (!headers.has("referrer-policy")) headers.set("referrer-policy", "strict-origin-when-cross-origin");
  if (https) headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
}

export const ADMIN_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
