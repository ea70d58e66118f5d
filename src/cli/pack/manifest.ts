import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as v from "valibot";
import { appNameSchema } from "../../apps/index.ts";
import { FaztError, parse } from "../../core/index.ts";

/**
 * `manifest.json` at the root of an app folder: only `name` and `spa` mean
 * something to a deploy; other keys (a web app manifest shares the file
 * name) are left alone.
 */
const manifestSchema = v.looseObject({
  name: v.optional(v.string("must be a string")),
  spa: v.optional(v.boolean("must be true or false")),
});

export type Manifest = v.InferOutput<typeof manifestSchema>;

/** The folder's manifest.json, or null when it has none. Broken JSON or wrong types are errors. */
export function readManifest(dir: string): Manifest | null {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FaztError("VALIDATION_FAILED", `manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new FaztError("VALIDATION_FAILED", "manifest.json must hold a JSON object");
  }
  return parse(manifestSchema, raw, "manifest.json");
}

/** Checks an app name, saying where it came from when it is refused. */
export function checkAppName(name: string, from: string): string {
  const result = v.safeParse(appNameSchema, name);
  if (result.success) return result.output;
  throw new FaztError(
    "VALIDATION_FAILED",
    `${from} "${name}" is not a valid app name: ${result.issues[0].message}`,
  );
}

/** The app name a deploy uses: `--name` > manifest.json `name` > the folder's name (lower-cased). */
export function appNameFor(dir: string, manifest: Manifest | null, flag?: string): string {
  if (flag !== undefined) return checkAppName(flag, "--name");
  if (manifest?.name !== undefined) return checkAppName(manifest.name, "manifest.json name");
  const folder = basename(resolve(dir)).toLowerCase();
  try {
    return checkAppName(folder, "the folder name");
  } catch (e) {
    throw new FaztError("VALIDATION_FAILED", `${(e as Error).message}; pass --name NAME`);
  }
}
