import { esc, htmlDocument } from "../../core/html.ts";

export { esc };

const CSS = `  main { max-width: 22rem; margin: 12vh auto; padding: 0 1.25rem; line-height: 1.5; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  label { display: block; margin: .75rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
  button, .button { display: block; width: 100%; box-sizing: border-box; margin-top: 1rem; padding: .6rem; font: inherit; cursor: pointer; text-align: center; text-decoration: none; border: 1px solid currentColor; border-radius: .3rem; background: none; color: inherit; }
  .error { color: #c62828; }
  .or { text-align: center; margin: 1.25rem 0 0; opacity: .7; }`;

/** The frame of Fazt's own pages (sign-in, invites): small, no scripts, works without JavaScript. */
export const page = (title: string, body: string): string => htmlDocument(title, CSS, body);

/** CSP for these pages: no scripts at all, forms post to this origin only. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function htmlPage(html: string, status = 200, headers: Record<string, string> = {}): Response {
  const body = new TextEncoder().encode(html);
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-length": String(body.byteLength),
      "cache-control": "no-store",
      "content-security-policy": PAGE_CSP,
      ...headers,
    },
  });
}
