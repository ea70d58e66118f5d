import * as v from "valibot";
import { parse, releaseBaseUrlSchema, releasePublicKeySchema } from "../core/index.ts";
import type { EngineHolder } from "./engine/types.ts";

/** Host names: lower-case labels, optionally dotted; `localhost` included. */
const domainSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    "must be a host name such as example.com or localhost",
  ),
);
const portSchema = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))], "must be a number"),
  v.integer("must be a whole number"),
  v.minValue(1, "must be between 1 and 65535"),
  v.maxValue(65535, "must be between 1 and 65535"),
);
const sizeSchema = v.pipe(v.number(), v.integer(), v.minValue(1));

export const configSchema = v.strictObject({
  domain: domainSchema,
  port: portSchema,
  env: v.picklist(["development", "production"], "must be development or production"),
  https: v.boolean(),
  email: v.nullable(v.pipe(v.string(), v.trim(), v.email("must be an email address"))),
  /**
   * Where `fazt upgrade` looks (null: DEFAULT_RELEASE_BASE_URL). Read leniently so an older stored
   * value never stops the server; writes and every upgrade apply releaseBaseUrlSchema.
   */
  releaseBaseUrl: v.nullable(v.pipe(v.string(), v.url("must be a URL"))),
  /**
   * Release signing keys trusted besides the compiled-in ones. Only the machine's command line
   * changes them (`server set-config --release-public-key`); the API refuses (http/admin/upgrade.ts).
   */
  releasePublicKeys: v.pipe(v.array(releasePublicKeySchema), v.maxLength(20, "holds more than 20 keys")),
  /** Peer addresses whose X-Forwarded-For is believed. */
  trustedProxies: v.array(v.pipe(v.string(), v.ip("must be an IP address"))),
  keepVersions: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)),
  cacheBytes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  maxDeployBytes: sizeSchema,
  maxFileBytes: sizeSchema,
  maxFiles: sizeSchema,
  maxBodyBytes: sizeSchema,
  backupKeep: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** App code (docs/app-code.md, "Limits"): time per request, heap per app, multipart bodies. */
  appTimeoutMs: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(300_000)),
  appMemoryBytes: v.pipe(
    v.number(),
    v.integer(),
    v.minValue(4 * 1024 * 1024),
    v.maxValue(2 * 1024 * 1024 * 1024),
  ),
  appMultipartBytes: sizeSchema,
  /** Requests one client address may have in flight at once (docs/limits.md). */
  maxRequestsPerIp: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  /**
   * The request log on stdout: every request, only those answered 400 or above, or none
   * (applied by http/request/access-log.ts; a running server picks a change up within a second).
   */
  accessLog: v.picklist(["all", "errors", "off"], "must be all, errors or off"),
  /** Threads listening on the port, the main one included; 0: one per core, at most 4 (http/listeners.ts). */
  listeners: v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(0, "must be between 0 and 64"),
    v.maxValue(64, "must be between 0 and 64"),
  ),
});

export type Config = v.InferOutput<typeof configSchema>;
export type ConfigKey = keyof Config;

const MiB = 1024 * 1024;

export const defaultConfig: Config = {
  domain: "localhost",
  port: 4698,
  env: "production",
  https: false,
  email: null,
  releaseBaseUrl: null,
  releasePublicKeys: [],
  trustedProxies: [],
  keepVersions: 10,
  cacheBytes: 64 * MiB,
  maxDeployBytes: 100 * MiB,
  maxFileBytes: 25 * MiB,
  maxFiles: 10_000,
  maxBodyBytes: 1 * MiB,
  backupKeep: 7,
  appTimeoutMs: 5000,
  appMemoryBytes: 64 * MiB,
  appMultipartBytes: 10 * MiB,
  maxRequestsPerIp: 256,
  accessLog: "all",
  listeners: 0,
};

/** What a caller may change: any subset of the config, each field validated. */
export const configPatchSchema = v.partial(
  v.strictObject({ ...configSchema.entries, releaseBaseUrl: v.nullable(releaseBaseUrlSchema) }),
);
export type ConfigPatch = v.InferOutput<typeof configPatchSchema>;

export function readConfig(store: EngineHolder): Config {
  const rows = store.engine.all<{ key: string; value: string }>("SELECT key, value FROM config");
  const merged: Record<string, unknown> = { ...defaultConfig };
  for (const row of rows) {
    if (!(row.key in defaultConfig)) continue; // a key from a newer build: keep it, ignore it
    try {
      merged[row.key] = JSON.parse(row.value);
    } catch {
      // a hand-edited bad value falls back to the default
    }
  }
  return parse(configSchema, merged, "config");
}

const UPSERT =
  "INSERT INTO config (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

/** Validates and writes the given keys in one transaction; returns the new config. */
export function writeConfig(store: EngineHolder, patch: unknown): Config {
  const valid = parse(configPatchSchema, patch, "config");
  const engine = store.engine;
  // Read and written in one transaction: on several nodes a write in between cannot be lost in `next`.
  return engine.transaction(
    () => {
      const next = parse(configSchema, { ...readConfig(store), ...valid }, "config");
      const now = Date.now();
      for (const [key, value] of Object.entries(valid)) {
        if (value !== undefined) engine.run(UPSERT, [key, JSON.stringify(value), now]);
      }
      return next;
    },
    { immediate: true },
  );
}
