/**
 * A small deploy client for the admin API (koder/plans/03_hosting.md): send
 * the manifest, upload only the blobs the server says are missing, finish.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { DeployResult } from "../../tests/helpers/deploy.ts";
import { type SiteFile, sha256 } from "./files.ts";

// One description of the finish answer, shared with the tests.
export type { DeployResult };

export interface Api {
  /** e.g. http://127.0.0.1:4698 */
  base: string;
  token: string;
}

async function call<T>(api: Api, method: string, path: string, body?: BodyInit, json = true): Promise<T> {
  const res = await fetch(api.base + path, {
    method,
    // The admin host; the URL's 127.0.0.1 is one too, the header makes it explicit.
    headers: {
      host: "localhost",
      authorization: `Bearer ${api.token}`,
      ...(json && body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (JSON.parse(text) as { data: T }).data;
}

/** Reads a folder into deployable files (paths relative, with `/`). */
export function readSite(dir: string): SiteFile[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const full = join(e.parentPath, e.name);
      return { path: relative(dir, full).split(sep).join("/"), data: readFileSync(full) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Deploys `files` as app `name`; uploads run `concurrency` at a time. */
export async function deploy(
  api: Api,
  name: string,
  files: SiteFile[],
  concurrency = 8,
): Promise<DeployResult> {
  const hashed = files.map((f) => ({ ...f, sha256: sha256(f.data), size: f.data.byteLength }));
  const session = await call<{ id: string; missing: string[] }>(
    api,
    "POST",
    "/api/deploys",
    JSON.stringify({ name, files: hashed.map(({ path, sha256, size }) => ({ path, sha256, size })) }),
  );
  const bySha = new Map(hashed.map((f) => [f.sha256, f.data]));
  const queue = [...new Set(session.missing)];
  const worker = async () => {
    for (let sha = queue.pop(); sha !== undefined; sha = queue.pop()) {
      const data = bySha.get(sha);
      if (!data) throw new Error(`the server asked for ${sha}, which is not in the manifest`);
      // A file's bytes as read; the cast only narrows the buffer type for BodyInit.
      await call(
        api,
        "PUT",
        `/api/deploys/${session.id}/blobs/${sha}`,
        data as Uint8Array<ArrayBuffer>,
        false,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  return await call<DeployResult>(api, "POST", `/api/deploys/${session.id}/finish`);
}

/** Whether this server has the deploy routes yet (a 404 means no such route). */
export async function hasDeployRoutes(api: Api): Promise<boolean> {
  const res = await fetch(`${api.base}/api/deploys`, {
    method: "POST",
    headers: { host: "localhost", authorization: `Bearer ${api.token}`, "content-type": "application/json" },
    body: "{}",
  });
  await res.arrayBuffer();
  return res.status !== 404;
}
