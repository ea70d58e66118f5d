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
