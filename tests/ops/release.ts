import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/temp.ts";

/**
 * Local release folders laid out as GitHub's (`download/vV/…`, with
 * `latest/download/FILE` redirecting to the newest), served on loopback.
 */

export function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** A `fazt` stand-in: a shell script answering `version` like the real binary. */
export function fakeBinary(version: string, tag: string): string {
  return `#!/bin/sh\nif [ "$1" = version ]; then echo "fazt ${version} (${tag})"; exit 0; fi\necho "fake fazt ${tag}"\n`;
}

/** `fazt-V-TARGET.tar.gz` holding one file `fazt` (from `binary`, a path, or `script`, its contents). */
export function packArchive(out: string, from: { binary?: string; script?: string }): void {
  const staging = tempDir("fazt-pack-test-");
  const file = join(staging, "fazt");
  if (from.binary) copyFileSync(from.binary, file);
  else writeFileSync(file, from.script ?? "");
  chmodSync(file, 0o755);
  const p = Bun.spawnSync(["tar", "-czf", out, "-C", staging, "fazt"], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`tar failed: ${p.stderr.toString()}`);
}

export interface Build {
  target: string;
  binary?: string;
  script?: string;
}

/** Writes `ROOT/download/vVERSION/` with one archive per build and `checksums.txt`. */
export function writeRelease(root: string, version: string, builds: Build[]): string {
  const dir = join(root, "download", `v${version}`);
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  for (const b of builds) {
    const name = `fazt-${version}-${b.target}.tar.gz`;
    packArchive(join(dir, name), b);
    lines.push(`${sha256Hex(readFileSync(join(dir, name)))}  ${name}`);
  }
  writeFileSync(join(dir, "checksums.txt"), `${lines.join("\n")}\n`);
  return dir;
}

export interface ReleaseServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  stop(): void;
}

/**
 * Serves `roots` (name → folder) as `http://127.0.0.1:PORT/NAME/…`; under each,
 * `latest/download/FILE` redirects (302, as GitHub does) to
 * `download/v<latest[NAME]>/FILE`.
 */
export function serveReleases(roots: Record<string, { dir: string; latest: string }>): ReleaseServer {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = decodeURIComponent(new URL(req.url).pathname);
      requests.push(path);
      const parts = path.split("/").filter(Boolean);
      const root = roots[parts[0] ?? ""];
      if (!root || parts.some((p) => p === ".." || p === "."))
        return new Response("not found", { status: 404 });
      const rest = parts.slice(1);
      if (rest[0] === "latest" && rest[1] === "download" && rest.length === 3) {
        const location = `/${parts[0]}/download/v${root.latest}/${rest[2]}`;
        return new Response(null, { status: 302, headers: { location } });
      }
      const file = Bun.file(join(root.dir, ...rest));
      if (rest[0] !== "download" || !(await file.exists())) return new Response("not found", { status: 404 });
      return new Response(file);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) };
}
