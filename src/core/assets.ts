import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { embeddedFiles, isCompiled } from "./platform.ts";

/**
 * Files that ship inside the binary (migrations, the admin UI). build.ts embeds
 * them with `bun build --compile --asset DIR`, where they appear in
 * `Bun.embeddedFiles` named `<last folder>/<path>`; from source they are read
 * from the checkout. Both are reached by the same names here.
 */
const roots: Record<string, string> = {
  drizzle: "drizzle",
  "admin-ui": ".build/admin-ui",
};

const projectRoot = resolve(import.meta.dir, "../..");

/** Every asset under `group` as `[relative path, Blob]`, sorted by path. */
export async function listAssets(group: keyof typeof roots): Promise<Array<[string, Blob]>> {
  const out: Array<[string, Blob]> = [];
  if (isCompiled) {
    const prefix = `${group}/`;
    for (const [name, blob] of embeddedFiles()) {
      if (name.startsWith(prefix)) out.push([name.slice(prefix.length), blob]);
    }
  } else {
    const dir = join(projectRoot, roots[group] ?? group);
    if (existsSync(dir)) {
      for await (const rel of new Bun.Glob("**/*").scan({ cwd: dir, onlyFiles: true, dot: false })) {
        out.push([rel, Bun.file(join(dir, rel))]);
      }
    }
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
