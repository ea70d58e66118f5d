export type Encoding = "br" | "gzip" | "identity";

/** The best of the variants a file has that `Accept-Encoding` accepts (br over gzip; `q=0` refuses). */
export function pickEncoding(accept: string | null, hasBr: boolean, hasGzip: boolean): Encoding {
  if (!accept || (!hasBr && !hasGzip)) return "identity";
  let br = false;
  let gzip = false;
  for (const part of accept.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    if (name === "br") br = true;
    else if (name === "gzip") gzip = true;
    else if (name === "*") {
      br = true;
      gzip = true;
    }
  }
  if (br && hasBr) return "br";
  if (gzip && hasGzip) return "gzip";
  return "identity";
}

/** How well one media range of `Accept` fits a type: its q, and how specific it is (0: not at all). */
interface Fit {
  q: number;
  specificity: number;
  /** Position of the range in the header: an exact tie goes to the type listed first. */
  order: number;
}

const NO_FIT: Fit = { q: 0, specificity: 0, order: Number.POSITIVE_INFINITY };

/** A q-value as RFC 9110 writes it (0 to 1, up to three decimals); anything else counts as 1. */
function qValue(params: string[]): number {
  for (const p of params) {
    const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
    if (m) return Math.min(1, Number(m[1]));
  }
  return 1;
}

function fitOf(ranges: Array<{ type: string; sub: string; q: number }>, type: string, sub: string): Fit {
  let best = NO_FIT;
  ranges.forEach((r, order) => {
    const specificity =
      r.type === type && r.sub === sub ? 3 : r.type === type && r.sub === "*" ? 2 : r.type === "*" ? 1 : 0;
    // The most specific range that names the type decides its q (RFC 9110, section 12.5.1).
    if (specificity > best.specificity) best = { q: r.q, specificity, order };
  });
  return best;
}

/**
 * Whether a request's `Accept` prefers an HTML page to a JSON answer, by
 * q-values: `application/json;q=0.5, text/html` does, `text/html;q=0.1,
 * application/json` does not. A tie goes to the more specific range, then
 * to the one listed first. Only the any-type range (curl's default), or no
 * `Accept` at all, is not a browser asking for a page: JSON.
 */
export function prefersHtml(accept: string | null): boolean {
  if (!accept) return false;
  const ranges = accept.split(",").map((part) => {
    const [range = "", ...params] = part.split(";");
    const [type = "", sub = ""] = range.trim().toLowerCase().split("/");
    return { type, sub, q: qValue(params) };
  });
  const html = fitOf(ranges, "text", "html");
  const json = fitOf(ranges, "application", "json");
  if (html.q === 0) return false;
  if (html.q !== json.q) return html.q > json.q;
  if (html.specificity !== json.specificity) return html.specificity > json.specificity;
  return html.order < json.order;
}
