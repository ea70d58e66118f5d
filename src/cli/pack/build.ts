import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import * as v from "valibot";
import { FaztError } from "../../core/index.ts";

/** Where build tools conventionally write a static site, in the order they are tried. */
export const OUTPUT_FOLDERS = ["dist", "build", "out"] as const;

const packageSchema = v.looseObject({
  scripts: v.optional(v.record(v.string(), v.unknown())),
});

/** True when `dir/package.json` declares a `build` script. */
export function hasBuildScript(dir: string): boolean {
  const path = join(dir, "package.json");
  if (!existsSync(path)) return false;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new FaztError("VALIDATION_FAILED", `package.json is not valid JSON: ${(e as Error).message}`);
  }
  const pkg = v.safeParse(packageSchema, raw);
  return pkg.success && typeof pkg.output.scripts?.build === "string";
}

/** The command that runs the build: bun when it is installed, else the lockfile's package manager. */
export function buildCommand(dir: string, which: (cmd: string) => string | null = Bun.which): string[] {
  const bun = which("bun");
  if (bun) return [bun, "run", "build"];
  const byLockfile: Array<[string, string]> = [
    ["pnpm-lock.yaml", "pnpm"],
    ["yarn.lock", "yarn"],
    ["package-lock.json", "npm"],
  ];
  const tool = byLockfile.find(([lock]) => existsSync(join(dir, lock)))?.[1] ?? "npm";
  const path = which(tool);
  if (!path) {
    throw new FaztError(
      "UNAVAILABLE",
      `package.json has a build script but neither bun nor ${tool} is installed (pass --no-build to deploy the folder as it is)`,
    );
  }
  return [path, "run", "build"];
}

/**
 * Runs the build in `dir`, its output on stderr (stdout stays for the
 * command's result, e.g. `--format json`), and returns the folder to deploy.
 */
export async function runBuild(dir: string): Promise<string> {
  const cmd = buildCommand(dir);
  const proc = Bun.spawn(cmd, { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const pump = (async () => {
    const reader = proc.stdout.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      process.stderr.write(value);
    }
  })();
  const [code] = await Promise.all([proc.exited, pump]);
  if (code !== 0) {
    throw new FaztError(
      "INTERNAL",
      `the build (\`${basename(cmd[0]!)} ${cmd.slice(1).join(" ")}\`) failed with exit code ${code}`,
    );
  }
  return buildOutput(dir);
}

/** The first of dist/, build/, out/ that holds an index.html. */
export function buildOutput(dir: string): string {
  for (const name of OUTPUT_FOLDERS) {
    const out = join(dir, name);
    if (existsSync(join(out, "index.html")) && statSync(out).isDirectory()) return out;
  }
  throw new FaztError(
    "VALIDATION_FAILED",
    `the build finished but none of ${OUTPUT_FOLDERS.map((f) => `${f}/`).join(", ")} holds an index.html`,
  );
}
