/**
 * Serving a site's files on its subdomain (docs/hosting.md): the site index,
 * lookup rules, responses with ranges and encodings, the content cache. Only
 * serving: the web pieces it shares with others are in web/.
 */
export { cacheControlFor, isHashedName } from "./cache-control.ts";
export { prefersHtml } from "./negotiate.ts";
export { baseHeaders, type Common } from "./respond.ts";
export { NOT_FOUND_HTML, WELCOME_HTML } from "./seeded-pages.ts";
export {
  createHosting,
  HandOff,
  type Hosting,
  type HostingShared,
  type RewrittenUrl,
  type UserOf,
} from "./serve.ts";
export { type ChangeSource, changeSourceFor, Generation, previewKey } from "./site.ts";
