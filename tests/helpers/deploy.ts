import { sha256Hex } from "../../src/core/crypto.ts";
import type { TestServer } from "./server.ts";

/** What `POST /api/deploys/ID/finish` and `POST /api/deploy` answer (plan 03). */
export interface DeployResult {
  app: string;
  version: string;
  seq: number;
  files: number;
  bytes: number;
  uploadedBytes: number;
  url: string;
  preview: boolean;
  previewUrl: string;
}

const encoder = new TextEncoder();
export const bytesOf = (v: string | Uint8Array): Uint8Array =>
  typeof v === "string" ? encoder.encode(v) : v;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A JSON request to the admin API with a key (the admin key unless `token` is given). */
export function apiJson(
  s: TestServer,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = s.adminToken,
): Promise<Response> {
  const headers: Record<string, string> = token ? bearer(token) : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  return s.request(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Reads `{"data": …}` from a response, failing loudly (with the body) on any other status. */
export async function dataOf<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

/** The manifest entries of `{path: contents}`. */
export function manifestOf(files: Record<string, string | Uint8Array>) {
  return Object.entries(files).map(([path, v]) => {
    const bytes = bytesOf(v);
    return { path, sha256: sha256Hex(bytes), size: bytes.byteLength };
  });
}

/**
 * Deploys `{path: contents}` through the incremental protocol, as the CLI
 * does: POST /api/deploys → PUT each missing blob → POST finish. Returns the
 * finish data; throws on any unexpected status.
 */
export async function deployFiles(
  s: TestServer,
  name: string,
  files: Record<string, string | Uint8Array>,
  opts: { spa?: boolean; message?: string; token?: string; preview?: boolean } = {},
): Promise<DeployResult> {
  const token = opts.token ?? s.adminToken;
  const manifest = manifestOf(files);
  const body: Record<string, unknown> = { name, files: manifest };
  if (opts.spa !== undefined) body.spa = opts.spa;
  if (opts.message !== undefined) body.message = opts.message;
  if (opts.preview !== undefined) body.preview = opts.preview;
  const started = await dataOf<{ id: string; missing: string[] }>(
    await apiJson(s, "POST", "/api/deploys", body, token),
    201,
  );
  const bySha = new Map(manifest.map((m) => [m.sha256, bytesOf(files[m.path]!)]));
  for (const sha of started.missing) {
    const bytes = bySha.get(sha);
    if (!bytes) throw new Error(`the server asked for ${sha}, which is not in the manifest`);
    await dataOf(
      await s.request(`/api/deploys/${started.id}/blobs/${sha}`, {
        method: "PUT",
        headers: { ...bearer(token), "content-type": "application/octet-stream" },
        body: bytes as Uint8Array<ArrayBuffer>,
      }),
      200,
    );
  }
  return dataOf<DeployResult>(
    await s.request(`/api/deploys/${started.id}/finish`, { method: "POST", headers: bearer(token) }),
    201,
  );
}

/**
 * The one-shot zip upload (`POST /api/deploy`, multipart `file` + `name` +
 * other fields). Returns the raw response: callers check the status.
 */
export function deployZip(
  s: TestServer,
  name: string | null,
  zip: Uint8Array,
  fields: Record<string, string> = {},
  token: string | null = s.adminToken,
): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }), "site.zip");
  if (name !== null) form.append("name", name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return s.request("/api/deploy", { method: "POST", headers: token ? bearer(token) : {}, body: form });
}
