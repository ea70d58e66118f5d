/** Serving apps on their subdomains (SPEC §6). */
export { isCompressible, mimeOf } from "./mime.ts";
export { NOT_FOUND_HTML, WELCOME_HTML } from "./seeded-pages.ts";
export { serveApp } from "./serve.ts";
