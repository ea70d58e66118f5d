import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { FaztError } from "../../core/index.ts";
import { checkDeployPath } from "../../deploy/index.ts";
import { api, type PeerClient, type RemoteFile } from "../peer/index.ts";
import { eachLimit } from "./pool.ts";
import { progressBar } from "./progress.ts";

/** True when `dir` does not exist or holds nothing. */
export function isEmptyOrMissing(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;
  return readdirSync(dir).length === 0;
}

/** Where a server-given path lands inside `root`: re-checked, since a hostile peer could send `../x`. */
export function safeTarget(root: string, path: string): string {
  const checked = checkDeployPath(path);
  const target = resolve(root, ...checked.split("/"));
  const rel = relative(root, target);
  if (rel === "" || rel.startsWith("..") || rel.split(sep).includes("..")) {
    throw new FaztError("VALIDATION_FAILED", `refused path ${JSON.stringify(path)} from the server`);
  }
  return target;
}

/**
 * Downloads every file of an app's current version into `out`. Files go to a
 * hidden sibling folder first and are renamed into place at the end, so a
 * failed pull leaves no half-written folder behind.
 */
export async function pullApp(
  client: PeerClient,
  name: string,
  out: string,
): Promise<{ files: number; bytes: number; out: string }> {
  const dest = resolve(out);
  if (!isEmptyOrMissing(dest)) {
    throw new FaztError("CONFLICT", `${out} exists and is not empty: choose another folder with --out`);
  }
  const files = await api.files(client, name);
  const staging = join(dirname(dest), `.${name}.pull-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const targets = new Map<RemoteFile, string>(files.map((f) => [f, safeTarget(staging, f.path)]));
  const total = files.reduce((n, f) => n + f.size, 0);
  const bar = progressBar("downloading", files.length, total);
  let done = 0;
  let bytes = 0;
  try {
    await eachLimit(files, 4, async (file) => {
      const content = await api.fileBytes(client, name, file);
      const sha = new Bun.CryptoHasher("sha256").update(content).digest("hex");
      if (sha !== file.sha256) {
        throw new FaztError(
          "INTERNAL",
          `${file.path} arrived damaged (its sha256 does not match): pull again`,
        );
      }
      const target = targets.get(file)!;
      mkdirSync(dirname(target), { recursive: true });
      await Bun.write(target, content);
      done++;
      bytes += content.byteLength;
      bar.update(done, bytes);
    });
    bar.done();
    if (existsSync(dest)) rmdirSync(dest); // empty, checked above
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(staging, dest);
  } catch (e) {
    bar.done();
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return { files: files.length, bytes, out: dest };
}
