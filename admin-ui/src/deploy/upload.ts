import { ApiError, post, request, toSignIn } from "../api.ts";
import type { DeployResult } from "../types.ts";
import type { LocalFile } from "./collect.ts";
import { sha256Hex } from "./sha256.ts";

export interface Progress {
  phase: "hashing" | "uploading" | "activating";
  done: number;
  total: number;
  /** Bytes uploaded of those the server lacked. */
  bytes?: number;
}

export interface DeployOptions {
  name: string;
  spa: boolean;
  message?: string;
  /** Upload a version without activating it (its preview URL comes back). */
  preview?: boolean;
  onProgress: (p: Progress) => void;
}

/** Runs `fn` over `items`, `n` at a time. */
async function eachLimit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/**
 * The CLI's incremental protocol (docs and src/cli/transfer/upload.ts): hash
 * every file here, send the manifest, upload only what the server lacks, finish.
 */
export async function deployFolder(files: LocalFile[], o: DeployOptions): Promise<DeployResult> {
  const hashed: { path: string; sha256: string; size: number; file: File }[] = [];
  let done = 0;
  o.onProgress({ phase: "hashing", done, total: files.length });
  await eachLimit(files, 4, async (f) => {
    const sha256 = await sha256Hex(await f.file.arrayBuffer());
    hashed.push({ path: f.path, sha256, size: f.file.size, file: f.file });
    o.onProgress({ phase: "hashing", done: ++done, total: files.length });
  });
  hashed.sort((a, b) => a.path.localeCompare(b.path));
  const start = await post<{ id: string; missing: string[] }>("/api/deploys", {
    name: o.name,
    spa: o.spa,
    ...(o.message ? { message: o.message } : {}),
    ...(o.preview ? { preview: true } : {}),
    files: hashed.map(({ path, sha256, size }) => ({ path, sha256, size })),
  });
  const bySha = new Map(hashed.map((h) => [h.sha256, h]));
  const wanted = [...new Set(start.missing)].map((sha) => bySha.get(sha)!).filter(Boolean);
  let sent = 0;
  let bytes = 0;
  o.onProgress({ phase: "uploading", done: 0, total: wanted.length, bytes: 0 });
  await eachLimit(wanted, 4, async (f) => {
    await request(
      "PUT",
      `/api/deploys/${start.id}/blobs/${f.sha256}`,
      new Blob([await f.file.arrayBuffer()]),
    );
    bytes += f.size;
    o.onProgress({ phase: "uploading", done: ++sent, total: wanted.length, bytes });
  });
  o.onProgress({ phase: "activating", done: 1, total: 1 });
  return post<DeployResult>(`/api/deploys/${start.id}/finish`);
}

/** `POST /api/deploy` with the zip, through XHR for its upload progress events. */
export function deployZip(file: File, o: DeployOptions): Promise<DeployResult> {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("name", o.name);
  form.append("spa", o.spa ? "true" : "false");
  if (o.message) form.append("message", o.message);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/deploy");
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (e) =>
      o.onProgress({ phase: "uploading", done: e.loaded, total: e.total || file.size });
    xhr.upload.onload = () => o.onProgress({ phase: "activating", done: 1, total: 1 });
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", "the upload was interrupted"));
    xhr.onload = () => {
      let body: { data?: DeployResult; error?: { code: string; message: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status === 401) toSignIn();
      if (xhr.status >= 200 && xhr.status < 300 && body.data) resolve(body.data);
      else
        reject(
          new ApiError(
            xhr.status,
            body.error?.code ?? `HTTP_${xhr.status}`,
            body.error?.message ?? `upload failed (${xhr.status})`,
          ),
        );
    };
    xhr.send(form);
  });
}
