/**
 * Which file a path names (pretty URLs). A folder's page lives at its
 * trailing-slash URL, so the relative links of Hugo, MkDocs or Astro output
 * resolve inside the folder; a page that is a file lives without one. The
 * other spelling is a 301 to the right one, as on Netlify and Cloudflare Pages.
 */
import type { SiteFile } from "./site.ts";

/** `/PATH` names a folder's page: 301 to `/PATH/`. */
export const ADD_SLASH = Symbol("add a trailing slash");
/** `/PATH/` names a page that is a file: 301 to `/PATH`. */
export const DROP_SLASH = Symbol("drop the trailing slash");

/**
 * A requested path (decoded, no empty segments): `/` is `index.html`;
 * otherwise the exact file; else for `/PATH` `PATH.html`, or ADD_SLASH when
 * only `PATH/index.html` exists; for `/PATH/` `PATH/index.html`, or
 * DROP_SLASH when only `PATH.html` exists. undefined: no file.
 */
export function requestedFile(
  files: Map<string, SiteFile>,
  path: string,
): SiteFile | typeof ADD_SLASH | typeof DROP_SLASH | undefined {
  if (path === "/") return files.get("index.html");
  if (path.endsWith("/")) {
    const key = path.slice(1, -1);
    return files.get(`${key}/index.html`) ?? (files.has(`${key}.html`) ? DROP_SLASH : undefined);
  }
  const key = path.slice(1);
  return (
    files.get(key) ?? files.get(`${key}.html`) ?? (files.has(`${key}/index.html`) ? ADD_SLASH : undefined)
  );
}

/**
 * The file a rule's target names, served in place (a rewrite never
 * redirects): as `requestedFile`, with the other spelling's page instead of
 * a redirect to it.
 */
export function filePage(files: Map<string, SiteFile>, path: string): SiteFile | undefined {
  if (path === "/" || path === "") return files.get("index.html");
  if (path.endsWith("/")) {
    const key = path.slice(1, -1);
    return files.get(`${key}/index.html`) ?? files.get(`${key}.html`);
  }
  const key = path.slice(1);
  return files.get(key) ?? files.get(`${key}.html`) ?? files.get(`${key}/index.html`);
}
