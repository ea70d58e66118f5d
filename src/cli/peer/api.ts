import * as v from "valibot";
import type { PeerClient } from "./client.ts";

/**
 * The admin API routes the CLI uses, typed (docs/admin-api.md).
 * Answers are checked where the CLI relies on a field; other fields pass
 * through, so a newer server can add some without breaking an older CLI.
 */
const when = v.number();
const sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be a sha256 in hex"));

export const versionSchema = v.looseObject({
  id: v.string(),
  seq: v.number(),
  message: v.nullish(v.string()),
  files: v.number(),
  bytes: v.number(),
  createdAt: when,
  current: v.boolean(),
});
export type Version = v.InferOutput<typeof versionSchema>;

export const appSchema = v.looseObject({
  id: v.string(),
  name: v.string(),
  spa: v.boolean(),
  url: v.string(),
  version: v.nullable(versionSchema),
  hasApi: v.optional(v.boolean()),
  aliases: v.optional(v.array(v.string()), []),
  createdAt: when,
  updatedAt: when,
});
export type App = v.InferOutput<typeof appSchema>;

export const appInfoSchema = v.looseObject({
  ...appSchema.entries,
  keptVersions: v.optional(v.number()),
});
export type AppInfo = v.InferOutput<typeof appInfoSchema>;

export const aliasSchema = v.looseObject({
  name: v.string(),
  type: v.picklist(["app", "redirect", "reserved"]),
  app: v.nullish(v.string()),
  url: v.nullish(v.string()),
  createdAt: when,
  updatedAt: when,
});
export type Alias = v.InferOutput<typeof aliasSchema>;

export const fileSchema = v.looseObject({ path: v.string(), sha256, size: v.number(), mime: v.string() });
export type RemoteFile = v.InferOutput<typeof fileSchema>;

export const deployStartSchema = v.looseObject({ id: v.string(), missing: v.array(sha256) });

export const deployResultSchema = v.looseObject({
  app: v.string(),
  version: v.string(),
  seq: v.optional(v.number()),
  files: v.number(),
  bytes: v.number(),
  uploadedBytes: v.number(),
  url: v.string(),
  /** Problems the server found but deployed anyway (code that does not parse, no index.html…). */
  warnings: v.optional(v.array(v.string()), []),
  preview: v.optional(v.boolean()),
  previewUrl: v.optional(v.string()),
});
export type DeployResult = v.InferOutput<typeof deployResultSchema>;

const removed = v.looseObject({ removed: v.literal(true) });

const seg = encodeURIComponent;
/** A deploy path in a URL: each segment encoded, the slashes kept. */
const filePath = (p: string) => p.split("/").map(seg).join("/");

/** Blob uploads and file downloads may be large: a minute per ~8 MiB, at least 2 minutes. */
export const transferTimeout = (bytes: number) => Math.max(120_000, (bytes / (8 * 1024 * 1024)) * 60_000);

/**
 * The URL a browser opens an app at. On the `localhost` domain the bare
 * `localhost` is the admin host (host routing, http/host-routing.ts), so the apex URL the
 * server gives the `root` app is reached as `root.localhost`.
 */
export function browsableUrl(name: string, url: string): string {
  if (name !== "root") return url;
  return url.replace(/^(https?:\/\/)localhost(?=[:/]|$)/, "$1root.localhost");
}

export const api = {
  /** Every app, page by page (the route answers at most 1,000 at a time). */
  async listApps(c: PeerClient): Promise<App[]> {
    const all: App[] = [];
    for (;;) {
      const page = await c.call("GET", `/api/apps?limit=1000&offset=${all.length}`, v.array(appSchema));
      all.push(...page.map((a) => ({ ...a, url: browsableUrl(a.name, a.url) })));
      if (page.length < 1000) return all;
    }
  },
  async getApp(c: PeerClient, name: string): Promise<AppInfo> {
    const app = await c.call("GET", `/api/apps/${seg(name)}`, appInfoSchema);
    return { ...app, url: browsableUrl(app.name, app.url) };
  },
  removeApp: (c: PeerClient, name: string) => c.call("DELETE", `/api/apps/${seg(name)}`, removed),
  versions: (c: PeerClient, name: string) =>
    c.call("GET", `/api/apps/${seg(name)}/versions`, v.array(versionSchema)),
  rollback: (c: PeerClient, name: string, to?: string) =>
    c.call(
      "POST",
      `/api/apps/${seg(name)}/rollback`,
      versionSchema,
      to === undefined ? {} : { json: { to } },
    ),
  files: (c: PeerClient, name: string) => c.call("GET", `/api/apps/${seg(name)}/files`, v.array(fileSchema)),
  async fileBytes(c: PeerClient, name: string, file: RemoteFile): Promise<Uint8Array> {
    const res = await c.raw("GET", `/api/apps/${seg(name)}/files/${filePath(file.path)}`, {
      timeoutMs: transferTimeout(file.size),
    });
    return new Uint8Array(await res.arrayBuffer());
  },

  startDeploy: (
    c: PeerClient,
    body: {
      name: string;
      spa: boolean;
      message?: string;
      preview?: boolean;
      files: Array<{ path: string; sha256: string; size: number }>;
    },
  ) => c.call("POST", "/api/deploys", deployStartSchema, { json: body, timeoutMs: 120_000 }),
  putBlob: (c: PeerClient, id: string, hash: string, bytes: Uint8Array) =>
    c.call("PUT", `/api/deploys/${seg(id)}/blobs/${hash}`, v.looseObject({ sha256: v.string() }), {
      body: bytes,
      timeoutMs: transferTimeout(bytes.byteLength),
    }),
  async finishDeploy(c: PeerClient, id: string): Promise<DeployResult> {
    const r = await c.call("POST", `/api/deploys/${seg(id)}/finish`, deployResultSchema, {
      timeoutMs: 300_000,
    });
    return { ...r, url: browsableUrl(r.app, r.url) };
  },

  listAliases: (c: PeerClient) => c.call("GET", "/api/aliases", v.array(aliasSchema)),
  setAlias: (
    c: PeerClient,
    body: { name: string; type: "app" | "redirect" | "reserved"; app?: string; url?: string },
  ) => c.call("POST", "/api/aliases", aliasSchema, { json: body }),
  removeAlias: (c: PeerClient, name: string) => c.call("DELETE", `/api/aliases/${seg(name)}`, removed),
};
