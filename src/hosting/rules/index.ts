/** `_redirects` and `_headers`: parsed at deploy, applied when serving (SPEC §6). */
export {
  type CompiledHeaderRule,
  compileHeaders,
  type HeaderRule,
  headersFor,
  parseHeaders,
} from "./headers.ts";
export { compilePattern, matchPattern, type PathPattern } from "./pattern.ts";
export {
  type CompiledRedirect,
  compileRedirects,
  findRedirect,
  parseRedirects,
  type RedirectRule,
  type RedirectStatus,
} from "./redirects.ts";
