import type { Context } from "hono";
import type * as v from "valibot";
import { FaztError } from "../core/errors.ts";
import { parse } from "../core/validate.ts";

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
  const bytes = await readBytes(c, limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new FaztError("BAD_REQUEST", "body is not valid JSON");
  }
  return parse(schema, value, "body");
}

/** Reads a raw body of at most `limit` bytes: the declared length is checked before reading. */
export async function readBytes(c: Context, limit: number): Promise<Uint8Array> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > limit) throw new FaztError("PAYLOAD_TOO_LARGE", `body is larger than ${limit} bytes`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > limit)
    throw new FaztError("PAYLOAD_TOO_LARGE", `body is larger than ${limit} bytes`);
  return bytes;
}

/** The string fields of an HTML form body (urlencoded or multipart), its declared size checked first. */
export async function readFormFields(c: Context, limit: number): Promise<Record<string, string>> {
  if (Number(c.req.header("content-length") ?? "0") > limit) {
    throw new FaztError("PAYLOAD_TOO_LARGE", `body is larger than ${limit} bytes`);
  }
  const form = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [k, val] of Object.entries(form)) if (typeof val === "string") fields[k] = val;
  return fields;
}
