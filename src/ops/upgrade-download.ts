/**
 * Downloads for `fazt upgrade` (src/ops/upgrade.ts): into memory, within a
 * size limit and a time limit, and only over https (plain http on loopback),
 * for every redirect too.
 */
import { FaztError, releaseUrlProblem } from "../core/index.ts";

/** A download may take this long in all, and may stall for at most IDLE_MS. */
const DOWNLOAD_MS = 15 * 60 * 1000;
const IDLE_MS = 60 * 1000;
const MAX_REDIRECTS = 5;

/** Downloads `url` into memory within a size limit; a short or stalled answer is an error. */
export async function download(
  url: string,
  maxBytes: number,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  const abort = new AbortController();
  const total = setTimeout(() => abort.abort(new Error("timed out")), DOWNLOAD_MS);
  let idle = setTimeout(() => abort.abort(new Error("stalled")), IDLE_MS);
  const fail = (why: string, cause?: unknown) =>
    new FaztError("UNAVAILABLE", `download of ${url} failed: ${why}`, { status: 502, cause });
  try {
    let res = await fetchImpl(url, { signal: abort.signal, redirect: "manual" }).catch((e) => {
      throw fail(e instanceof Error ? e.message : String(e), e);
    });
    // Redirects are followed here, each hop checked before it is fetched: GitHub sends
    // release assets to another host, and that one must be https as well.
    let at = url;
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.headers.has("location"); hops++) {
      if (hops === MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`);
      at = new URL(res.headers.get("location") ?? "", at).href;
      const problem = releaseUrlProblem(at);
      if (problem) throw fail(`it redirects to ${at}, which ${problem}`);
      await res.body?.cancel();
      res = await fetchImpl(at, { signal: abort.signal, redirect: "manual" }).catch((e) => {
        throw fail(e instanceof Error ? e.message : String(e), e);
      });
    }
    if (res.status === 404) throw new FaztError("NOT_FOUND", `no release at ${url} (404)`);
    if (!res.ok || !res.body) throw fail(`HTTP ${res.status}`);
    const declared = res.headers.get("content-length");
    const expected = declared === null ? undefined : Number(declared);
    if (expected !== undefined && expected > maxBytes)
      throw fail(`${expected} bytes is more than ${maxBytes}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        throw fail(`cut short after ${size} bytes (${e instanceof Error ? e.message : String(e)})`, e);
      }
      if (step.done) break;
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error("stalled")), IDLE_MS);
      size += step.value.byteLength;
      if (size > maxBytes) {
        abort.abort();
        throw fail(`more than ${maxBytes} bytes`);
      }
      chunks.push(step.value);
    }
    if (expected !== undefined && size !== expected) throw fail(`cut short: ${size} of ${expected} bytes`);
    const out = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}
