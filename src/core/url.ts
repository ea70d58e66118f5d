/**
 * The path and query (`?…`, or "") of an absolute request URL, without
 * building a URL object: it runs once per request on the static hot path,
 * and the handler hands the result to whoever needs it.
 */
export function splitUrl(url: string): { path: string; query: string } {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return { path: "/", query: "" };
  const q = url.indexOf("?", start);
  return q < 0 ? { path: url.slice(start), query: "" } : { path: url.slice(start, q), query: url.slice(q) };
}
