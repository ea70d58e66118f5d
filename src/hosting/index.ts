/** Serving apps on their subdomains (docs/hosting.md). */
export { cacheControlFor, isHashedName } from "./cache-control.ts";
export { refusedCookie, refusedHeader, splitSetCookie } from "./header-policy.ts";
export { isCompressible, mimeOf } from "./mime.ts";
export { prefersHtml } from "./negotiate.ts";
export { seedApps } from "./seed.ts";
export { NOT_FOUND_HTML, WELCOME_HTML } from "./seeded-pages.ts";
export {
  createHosting,
  HandOff,
  type Hosting,
  type HostingShared,
  type RewrittenUrl,
  type UserOf,
} from "./serve.ts";
export { previewKey } from "./site.ts";
export { apexUrl, appUrl, previewUrl } from "./urls.ts";
