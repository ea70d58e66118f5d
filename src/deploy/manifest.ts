import * as v from "valibot";
import type { VersionFile } from "../apps/index.ts";
import { appNameSchema } from "../apps/index.ts";
import { FaztError, parse } from "../core/index.ts";
import type { Config } from "../db/index.ts";
import { checkDeployPath } from "./paths.ts";

export type DeployLimits = Pick<Config, "maxDeployBytes" | "maxFileBytes" | "maxFiles">;

const SHA256 = /^[0-9a-f]{64}$/;

export const manifestSchema = v.strictObject({
  name: appNameSchema,
  spa: v.optional(v.boolean(), false),
  message: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(500, "is longer than 500 characters")))),
  /** Upload a version without activating it; it is seen at its preview address (docs/hosting.md). */
  preview: v.optional(v.boolean("must be true or false"), false),
  files: v.pipe(
    v.array(
      v.strictObject({
        path: v.string(),
        sha256: v.pipe(v.string(), v.toLowerCase(), v.regex(SHA256, "must be 64 hex characters")),
        size: v.pipe(v.number(), v.integer(), v.minValue(0)),
      }),
    ),
    v.minLength(1, "must list at least one file"),
  ),
});

export type Manifest = v.InferOutput<typeof manifestSchema>;

/**
 * Validates a deploy's whole manifest before anything is stored: its shape,
 * every path (deploy/paths.ts), duplicates, and the size and count limits. The
 * same checks serve the incremental protocol and the zip upload.
 */
export function checkManifest(input: unknown, limits: DeployLimits): Manifest {
  const m = parse(manifestSchema, input, "manifest");
  checkFiles(m.files, limits);
  return m;
}

/** Paths, duplicates and limits of a file list (paths are canonicalised in place). */
export function checkFiles(files: VersionFile[], limits: DeployLimits): void {
  if (files.length > limits.maxFiles) {
    throw new FaztError("PAYLOAD_TOO_LARGE", `${files.length} files is over the limit of ${limits.maxFiles}`);
  }
  const seen = new Set<string>();
  let total = 0;
  for (const f of files) {
    f.path = checkDeployPath(f.path);
    if (seen.has(f.path)) throw new FaztError("VALIDATION_FAILED", `path "${f.path}" is listed twice`);
    seen.add(f.path);
    if (f.size > limits.maxFileBytes) {
      throw new FaztError(
        "PAYLOAD_TOO_LARGE",
        `"${f.path}" is ${f.size} bytes, over the per-file limit of ${limits.maxFileBytes}`,
      );
    }
    total += f.size;
  }
  if (total > limits.maxDeployBytes) {
    throw new FaztError(
      "PAYLOAD_TOO_LARGE",
      `the deploy is ${total} bytes, over the limit of ${limits.maxDeployBytes}`,
    );
  }
}
