/**
 * Web pieces that know nothing of apps, deploys or accounts: MIME types,
 * `_redirects` and `_headers` rules, the URLs of an instance, HSTS, what an
 * app may not put in its responses, and reading request bodies within
 * limits. Hosting, deploys, storage, auth and the runtime share them; this
 * folder imports only core/ (tests/structure/imports.test.ts).
 */
export { readBody, readBytes, readFormData, readFormFields, readJson, unreadBody } from "./body.ts";
export { refusedCookie, refusedHeader, splitSetCookie } from "./header-policy.ts";
export { isHiddenPath } from "./hidden.ts";
export { HSTS } from "./hsts.ts";
export { isCompressible, mimeOf } from "./mime.ts";
export {
  type CompiledRedirect,
  compileHeaders,
  compileRedirects,
  findRedirect,
  type HeaderRule,
  type HeaderTable,
  headersFor,
  parseHeaders,
  parseRedirects,
  type RedirectRule,
  type RedirectTable,
} from "./rules/index.ts";
export { apexUrl, appUrl, previewUrl } from "./urls.ts";
