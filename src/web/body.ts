import type { Context } from "hono";
import type * as v from "valibot";
import { FaztError, parse } from "../core/index.ts";

/**
 * The one place request bodies are read (docs/limits.md). Every route, the
 * apps' `/api` included, reads through `readBody`: the bytes are counted as
 * they stream in, so a chunked body that passes its limit is cut with 413
 * there and then instead of being buffered whole first. Bun does not buffer a
 * body nobody reads, so routes that expect none simply never call this.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = req.headers.get("content-length");
  const length = declared === null ? -1 : Number(declared);
  // A declared length over the limit is refused before a byte of the body is read.
  if (length > limit) throw tooLarge(limit);
  // A declared length within the limit and no chunked framing: Bun reads exactly that many bytes,
  // so the body is taken whole (a stream reader costs ~10 µs more per request, measured).
  if (length >= 0 && !req.headers.has("transfer-encoding")) {
    try {
      return new Uint8Array(await req.arrayBuffer());
    } catch (err) {
      throw new FaztError("BAD_REQUEST", "the body could not be read (the connection broke off)", {
        cause: err,
      });
    }
  }
  const body = req.body;
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  // Kept as received (nothing allocated up front for a declared length that may never arrive).
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await reader.read();
    } catch (err) {
      throw new FaztError("BAD_REQUEST", "the body could not be read (the connection broke off)", {
        cause: err,
      });
    }
    if (next.done) break;
    const chunk = next.value as Uint8Array<ArrayBuffer>;
    if (size + chunk.byteLength > limit) {
      // Stop reading: Bun drops the rest of the stream and `Connection: close` ends the upload.
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** A multipart or urlencoded form body within `limit` bytes. */
export async function readFormData(req: Request, limit: number): Promise<FormData> {
  const bytes = await readBody(req, limit);
  const type = req.headers.get("content-type") ?? "";
  try {
    return await new Response(bytes, { headers: { "content-type": type } }).formData();
  } catch {
    throw new FaztError("BAD_REQUEST", "the form body could not be read");
  }
}

/**
 * Reads a JSON body within `limit` bytes and validates it. Malformed JSON, a
 * wrong content type or an oversized body each get their own clear 4xx.
 */
export async function readJson<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  limit: number,
): Promise<v.InferOutput<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new FaztError("UNSUPPORTED_MEDIA_TYPE", "send the body as JSON (Content-Type: application/json)");
  }
  const bytes = await readBody(c.req.raw, limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new FaztError("BAD_REQUEST", "body is not valid JSON");
  }
  return parse(schema, value, "body");
}

/** Reads a raw body of at most `limit` bytes. */
export function readBytes(c: Context, limit: number): Promise<Uint8Array> {
  return readBody(c.req.raw, limit);
}

/** The string fields of an HTML form body (urlencoded or multipart). */
export async function readFormFields(c: Context, limit: number): Promise<Record<string, string>> {
  const form = await readFormData(c.req.raw, limit);
  const fields: Record<string, string> = {};
  for (const [k, val] of form.entries() as Iterable<[string, string | File]>) {
    if (typeof val === "string") fields[k] = val;
  }
  return fields;
}

function tooLarge(limit: number): FaztError {
  // `Connection: close`: without it Bun keeps the connection and reads (and
  // drops) the rest of the upload, however long the sender keeps it coming.
  return new FaztError("PAYLOAD_TOO_LARGE", `the body is larger than the limit of ${limit} bytes`, {
    headers: { connection: "close" },
  });
}

/**
 * The body as a stream, unread, for a listener thread handing the request to
 * the main thread (private-socket.ts): the main thread reads it through the
 * functions above, so the limits apply there, once.
 */
export function unreadBody(req: Request): ReadableStream<Uint8Array> | null {
  return req.body;
}
