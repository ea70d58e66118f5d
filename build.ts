#!/usr/bin/env bun
/**
 * Builds the release: the admin UI, then one self-contained `fazt` binary per
 * target with the migrations, the admin UI and the QuickJS .wasm embedded,
 * then `fazt-<version>-<os>-<arch>.tar.gz` for each, `checksums.txt`, and
 * its signature `checksums.txt.sig` (docs/releases.md).
 *
 *   bun run build                         all targets
 *   bun run build --targets linux-x64     a subset (comma-separated)
 *   bun run build --out DIR               somewhere else than dist/
 *
 * Environment:
 *   FAZT_RELEASE_KEY         the Ed25519 signing key: base64 of its 32-byte seed, or a PKCS#8 PEM.
 *                            Without it the build works but checksums.txt is not signed.
 *   FAZT_RELEASE_PUBLIC_KEY  compile in these public keys (comma-separated, base64 of raw 32 bytes)
 *                            instead of the project's (src/core/release-source.ts); tests use it.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as v from "valibot";
import pkg from "./package.json" with { type: "json" };
import { PROJECT_RELEASE_PUBLIC_KEYS, releasePublicKeySchema } from "./src/core/release-source.ts";
import {
  parseReleasePrivateKey,
  publicKeyBase64,
  SIGNATURE_FILE,
  signChecksums,
  verifyChecksums,
} from "./src/ops/release-signature.ts";

export const TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "android-arm64": "bun-android-arm64",
} as const;
export type Target = keyof typeof TARGETS;

const root = import.meta.dir;

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

/** The public keys the binaries will trust: FAZT_RELEASE_PUBLIC_KEY, else the project's. */
export function compiledKeys(env: Record<string, string | undefined> = process.env): string[] {
  const raw = env.FAZT_RELEASE_PUBLIC_KEY?.trim();
  if (!raw) return [...PROJECT_RELEASE_PUBLIC_KEYS];
  return raw.split(",").map((k) => {
    const r = v.safeParse(releasePublicKeySchema, k);
    if (!r.success) throw new Error(`FAZT_RELEASE_PUBLIC_KEY: ${k.trim()} ${r.issues[0].message}`);
    return r.output;
  });
}

/**
 * Writes `dir/checksums.txt.sig` when a signing key is given, and checks it.
 * Without a key, removes any signature left from an earlier build and says
 * the release is unsigned. A key the new binaries do not trust (`trusted`) is
 * a mistake except in an emergency key rotation (docs/releases.md): said
 * loudly, not refused. Returns the signature's path, or null.
 */
export function signRelease(
  dir: string,
  keyText: string | undefined,
  trusted: readonly string[],
): string | null {
  const out = join(dir, SIGNATURE_FILE);
  rmSync(out, { force: true });
  if (!keyText?.trim()) {
    console.warn(
      "FAZT_RELEASE_KEY is not set: checksums.txt is NOT signed. `fazt upgrade` and install.sh refuse an unsigned release; fine for a local build, never publish it.",
    );
    return null;
  }
  const key = parseReleasePrivateKey(keyText);
  const publicKey = publicKeyBase64(key);
  if (!trusted.includes(publicKey)) {
    console.warn(
      `warning: FAZT_RELEASE_KEY belongs to public key ${publicKey}, which the binaries just built do not trust (${trusted.join(", ")}): their next upgrade will refuse a release signed by it. Expected only in an emergency key rotation (docs/releases.md).`,
    );
  }
  const checksums = readFileSync(join(dir, "checksums.txt"));
  const signature = signChecksums(checksums, key);
  verifyChecksums(checksums, signature, [publicKey]);
  writeFileSync(out, signature);
  return out;
}

export async function build(targets: Target[], dist = join(root, "dist")): Promise<void> {
  const version = pkg.version;
  const sha = commit();
  const keys = compiledKeys();
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
      `--define=FAZT_RELEASE_PUBLIC_KEYS=${JSON.stringify(keys.join(","))}`,
      join(root, "src", "main.ts"),
      // The app-code worker is its own entry point inside the binary (`new Worker` finds it there).
      join(root, "src", "runtime", "worker.ts"),
      // PostgreSQL's I/O thread, likewise (src/db/engine/pg.ts).
      join(root, "src", "db", "engine", "pg-io-worker.ts"),
      // So is the listener thread's (src/http/listeners.ts).
      join(root, "src", "http", "listener-worker.ts"),
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
  const signature = signRelease(dist, process.env.FAZT_RELEASE_KEY, keys);
  if (signature) console.log(`  signed checksums.txt → ${signature}`);
}

function parseOut(argv: string[]): string | undefined {
  const i = argv.indexOf("--out");
  if (i < 0) return undefined;
  const dir = argv[i + 1];
  if (!dir) throw new Error("--out needs a folder");
  return resolve(dir);
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
  const argv = process.argv.slice(2);
  await build(parseTargets(argv), parseOut(argv));
}
