#!/usr/bin/env bun
/**
 * Builds the release: the admin UI, then one self-contained `fazt` binary per
 * target with the migrations, the admin UI and the QuickJS .wasm embedded,
 * then `fazt-<version>-<os>-<arch>.tar.gz` for each and `checksums.txt`.
 *
 *   bun run build                         all targets
 *   bun run build --targets linux-x64     a subset (comma-separated)
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "./package.json" with { type: "json" };

export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "android-arm64": "bun-android-arm64",
} as const;
export type Target = keyof typeof TARGETS;

const root = import.meta.dir;
const dist = join(root, "dist");

function run(cmd: string[], cwd = root): string {
  const p = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) {
    throw new Error(`${cmd.join(" ")} failed (${p.exitCode}):\n${p.stderr.toString()}${p.stdout.toString()}`);
  }
  return p.stdout.toString().trim();
}

function commit(): string {
  try {
    const sha = run(["git", "rev-parse", "--short=12", "HEAD"]);
    const dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]) !== "";
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** Only what the binary reads: the SQL files and the journal, not drizzle-kit's snapshots. */
function stageMigrations(): string {
  const out = join(root, ".build", "drizzle");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "meta"), { recursive: true });
  for (const file of new Bun.Glob("*.sql").scanSync(join(root, "drizzle"))) {
    cpSync(join(root, "drizzle", file), join(out, file));
  }
  cpSync(join(root, "drizzle", "meta", "_journal.json"), join(out, "meta", "_journal.json"));
  return out;
}

export async function build(targets: Target[]): Promise<void> {
  const version = pkg.version;
  const sha = commit();
  console.log(`building fazt ${version} (${sha}) for ${targets.join(", ")}`);
  run(["bun", "x", "vite", "build", "--logLevel", "warn"], join(root, "admin-ui"));
  const migrations = stageMigrations();
  mkdirSync(dist, { recursive: true });
  const checksums: string[] = [];
  for (const target of targets) {
    const outfile = join(dist, `fazt-${target}`);
    const started = performance.now();
    run([
      "bun",
      "build",
      "--compile",
      `--target=${TARGETS[target]}`,
      "--minify",
      // Precompiled bytecode halves start-up (measured in bench/startup).
      "--bytecode",
      "--format=esm",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      `--asset=${migrations}`,
      `--asset=${join(root, ".build", "admin-ui")}`,
      `--define=FAZT_COMMIT=${JSON.stringify(sha)}`,
      join(root, "src", "main.ts"),
      // The app-code worker is its own entry point inside the binary (`new Worker` finds it there).
      join(root, "src", "runtime", "worker.ts"),
      "--outfile",
      outfile,
    ]);
    // Each archive holds one file named `fazt`, as install.sh expects.
    const staging = mkdtempSync(join(tmpdir(), "fazt-pack-"));
    cpSync(outfile, join(staging, "fazt"));
    const archive = `fazt-${version}-${target}.tar.gz`;
    run(["tar", "-czf", join(dist, archive), "-C", staging, "fazt"]);
    rmSync(staging, { recursive: true, force: true });
    const hash = new Bun.CryptoHasher("sha256")
      .update(await Bun.file(join(dist, archive)).arrayBuffer())
      .digest("hex");
    checksums.push(`${hash}  ${archive}`);
    console.log(`  ${target.padEnd(14)} ${archive}  ${((performance.now() - started) / 1000).toFixed(1)}s`);
  }
  await Bun.write(join(dist, "checksums.txt"), `${checksums.join("\n")}\n`);
}

function parseTargets(argv: string[]): Target[] {
  const i = argv.indexOf("--targets");
  const list = i >= 0 ? (argv[i + 1] ?? "") : Object.keys(TARGETS).join(",");
  const targets = list.split(",").filter(Boolean);
  for (const t of targets) {
    if (!(t in TARGETS)) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(", ")}`);
  }
  return targets as Target[];
}

if (import.meta.main) {
  if (!existsSync(join(root, "node_modules"))) throw new Error("run `bun install` first");
  await build(parseTargets(process.argv.slice(2)));
}
