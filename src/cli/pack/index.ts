/**
 * Turning a folder on this machine into a deploy manifest (docs/hosting.md): which
 * folder (after an optional build), which name, which files.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { FaztError } from "../../core/index.ts";
import { hasBuildScript, runBuild } from "./build.ts";
import { appNameFor, readManifest } from "./manifest.ts";
import { type PackedFile, packFolder } from "./walk.ts";

export { buildCommand, buildOutput, hasBuildScript, OUTPUT_FOLDERS, runBuild } from "./build.ts";
export { syntaxProblems } from "./code.ts";
export { type HashedFile, hashFiles } from "./hash.ts";
export { DEFAULT_RULES, decidingRule, isIgnored, parseIgnoreFile, parseIgnoreLine } from "./ignore.ts";
export { appNameFor, checkAppName, type Manifest, readManifest } from "./manifest.ts";
export { loadRules, type PackedFile, type PackResult, packFolder } from "./walk.ts";

export interface PrepareOptions {
  name?: string | undefined;
  spa?: boolean | undefined;
  includePrivate?: boolean | undefined;
  build?: boolean | undefined;
}

export interface Prepared {
  name: string;
  spa: boolean;
  /** The folder whose files are sent: DIR, or its build output. */
  root: string;
  built: boolean;
  files: PackedFile[];
  warnings: string[];
}

/** Checks DIR exactly enough to fail before anything runs. */
export function checkDeployDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new FaztError("NOT_FOUND", `no such folder: ${dir}`);
  if (!statSync(abs).isDirectory()) throw new FaztError("VALIDATION_FAILED", `${dir} is not a folder`);
  return abs;
}

/**
 * Name and SPA flag come from DIR (flags > manifest.json > folder name); the
 * files from DIR, or from the build's output folder when package.json has a
 * build script. A build output is packed as its own root: the project's
 * .gitignore usually lists that very folder.
 */
export async function prepareDeploy(dir: string, opts: PrepareOptions): Promise<Prepared> {
  const abs = checkDeployDir(dir);
  const manifest = readManifest(abs);
  const name = appNameFor(abs, manifest, opts.name);
  const built = opts.build !== false && hasBuildScript(abs);
  const root = built ? await runBuild(abs) : abs;
  const spa = opts.spa === true || manifest?.spa === true;
  const { files, warnings } = packFolder(root, { includePrivate: opts.includePrivate === true });
  if (files.length === 0) throw new FaztError("VALIDATION_FAILED", `nothing to deploy in ${dir}`);
  return { name, spa, root, built, files, warnings };
}
