/** `_redirects` and `_headers`: parsed at deploy, compiled at first load, applied when serving. */
export { MAX_RULES } from "./errors.ts";
export { compileHeaderPath, type HeaderPath } from "./header-path.ts";
export {
  type CompiledHeaderRule,
  compileHeaders,
  type HeaderRule,
  HeaderTable,
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
  type RedirectTable,
} from "./redirects.ts";
