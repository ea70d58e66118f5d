/**
 * The apps bench/runtime deploys: each an `api/main.js` in module style
 * (`export default`), and one static page.
 */
import type { SiteFile } from "../static/files.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** An app whose only file is `api/main.js` with `code`. */
export function apiApp(code: string): SiteFile[] {
  return [{ path: "api/main.js", data: utf8(`${code}\n`) }];
}

/** hello-JSON: the baseline's `/api/hello`. */
export const HELLO = apiApp(`export default () => ({ hello: "world" })`);

/** One ds.insert per POST: the baseline's `/api/items`. */
export const INSERT = apiApp(
  `export default async (req) => ({ id: fazt.app.ds.insert("items", await req.json()) })`,
);

/** Documents the find bench searches: `k` repeats every FIND_KEYS, so each find matches 10. */
export const FIND_DOCS = 100_000;
export const FIND_KEYS = 10_000;

/**
 * ds.find by an indexed field: `GET /api/find?k=N` → the 10 documents with
 * `k = N`; `POST /api/seed?from=A&to=B` inserts documents A..B-1 (used once,
 * before measuring).
 */
export const FIND = apiApp(`export default (req) => {
  const url = new URL(req.url);
  if (req.method === "POST") {
    const from = Number(url.searchParams.get("from")), to = Number(url.searchParams.get("to"));
    for (let i = from; i < to; i++) fazt.app.ds.insert("docs", { k: i % ${FIND_KEYS}, v: i });
    return { seeded: to - from };
  }
  return fazt.app.ds.find("docs", { k: Number(url.searchParams.get("k")) }, { limit: 10 });
}`);

/** App A of the isolation run: every request spins until the 5 s limit cuts it (504). */
export const SPIN = apiApp("export default () => { while (true) {} }");

/** A tiny handler for the memory run; `n` makes every app's code (and blob) its own. */
export function tinyApp(n: number): SiteFile[] {
  return apiApp(`export default (req, ctx) => ({ app: ${n}, name: ctx.app.name })`);
}

/** What `tinyApp(n)` answers, deployed as `name`. */
export function tinyAnswer(n: number, name: string): unknown {
  return { app: n, name };
}
