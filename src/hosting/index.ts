/** Serving apps on their subdomains (docs/hosting.md). */

export { seedApps } from "../ops/seed.ts";
export { refusedCookie, refusedHeader, splitSetCookie } from "../web/header-policy.ts";
export { isCompressible, mimeOf } from "../web/mime.ts";
export { apexUrl, appUrl, previewUrl } from "../web/urls.ts";
export { cacheControlFor, isHashedName } from "./cache-control.ts";
export { prefersHtml } from "./negotiate.ts";
export { NOT_FOUND_HTML, WELCOME_HTML } from "./seeded-pages.ts";
export { createHosting, type Hosting, type RewrittenUrl, type UserOf } from "./serve.ts";
export { previewKey } from "./site.ts";
