/**
 * How long a refusal that ends the connection keeps it open after its answer
 * is written (docs/limits.md). Closing at once while the client is still
 * uploading makes the kernel reset the connection, and a reset can wipe the
 * answer from the client's receive buffer before it is read: the client sees
 * "connection reset" instead of 413 or 429. Meanwhile Bun reads and drops
 * whatever more arrives; a client that ignores the answer is cut after this.
 */
const LINGER_MS = 250;

/**
 * A response marked `Connection: close` (a 413 cut upload, a 429 over the
 * per-address cap), sent at once but finished only `LINGER_MS` later.
 * Any other response is returned as it is.
 */
export function closeGently(res: Response): Response {
  if (res.headers.get("connection") !== "close" || res.body === null) return res;
  const answer = res.bytes();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(await answer);
      setTimeout(() => controller.close(), LINGER_MS);
    },
  });
  // A streamed body goes out chunked: the original length no longer applies.
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}
