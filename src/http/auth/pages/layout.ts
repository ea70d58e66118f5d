import { esc, htmlDocument } from "../../../core/index.ts";

export { esc };

const CSS = `  :root { --fg: #1b1d21; --muted: #5c6370; --line: #cfd4dc; --accent: #2456d3; --on-accent: #fff; --bg: #f4f5f7; --card: #fff; --bad: #b42318; }
  @media (prefers-color-scheme: dark) {
    :root { --fg: #e6e8eb; --muted: #9aa2ad; --line: #3a3f47; --accent: #8cb0ff; --on-accent: #0d1117; --bg: #111317; --card: #1b1e23; --bad: #ff8a80; }
  }
  body { margin: 0; background: var(--bg); color: var(--fg); -webkit-text-size-adjust: 100%; }
  main { box-sizing: border-box; max-width: 24rem; margin: 12vh auto 2rem; padding: 2rem 1.75rem; background: var(--card); border: 1px solid var(--line); border-radius: .9rem; line-height: 1.5; }
  @media (max-width: 30rem) { main { margin: 0; min-height: 100vh; border: 0; border-radius: 0; padding: 3.5rem 1.25rem 2rem; } }
  .brand { margin: 0 0 1.25rem; font-size: .85rem; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--muted); }
  h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 1rem; }
  h1:has(+ .hint) { margin-bottom: .25rem; }
  p { margin: 0 0 1rem; }
  .hint { color: var(--muted); font-size: .95rem; }
  .hint strong { color: var(--fg); font-weight: 600; overflow-wrap: anywhere; }
  label { display: block; margin: 1rem 0 .35rem; font-size: .95rem; font-weight: 500; }
  input { display: block; width: 100%; box-sizing: border-box; min-height: 2.75rem; padding: .6rem .75rem; font: inherit; font-size: 1rem; color: inherit; background: var(--card); border: 1px solid var(--line); border-radius: .5rem; }
  input:focus { outline: 2px solid var(--accent); outline-offset: 1px; border-color: var(--accent); }
  button, .button { display: block; width: 100%; box-sizing: border-box; min-height: 2.75rem; margin-top: 1.25rem; padding: .6rem 1rem; font: inherit; font-weight: 500; cursor: pointer; text-align: center; text-decoration: none; color: var(--fg); background: none; border: 1px solid var(--line); border-radius: .5rem; }
  form + .button, .button + .button { margin-top: .75rem; }
  button:focus-visible, .button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  .primary { color: var(--on-accent); background: var(--accent); border-color: var(--accent); }
  .primary:hover { filter: brightness(1.08); }
  .error { color: var(--bad); background: color-mix(in srgb, var(--bad) 10%, transparent); border-radius: .5rem; padding: .6rem .75rem; }
  .or { display: flex; align-items: center; gap: .75rem; margin: 1.5rem 0 0; color: var(--muted); font-size: .9rem; }
  .or::before, .or::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
  .or + .button { margin-top: 1rem; }`;

/** The frame of Fazt's own pages (sign-in, invites): small, no scripts, works without JavaScript. */
export const page = (title: string, body: string): string =>
  htmlDocument(title, CSS, `<p class="brand">Fazt</p>\n${body}`);

/**
 * CSP for these pages: no scripts at all, forms post to this origin only.
 * `formOrigins` adds the origins a form's answer may redirect to: browsers
 * apply `form-action` to every redirect after the post, so a sign-in that
 * continues to an app's host must name that host here.
 */
export const pageCsp = (formOrigins: string[] = []): string =>
  `default-src 'none'; style-src 'unsafe-inline'; form-action ${["'self'", ...formOrigins].join(" ")}; frame-ancestors 'none'; base-uri 'none'`;
export const PAGE_CSP = pageCsp();

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
