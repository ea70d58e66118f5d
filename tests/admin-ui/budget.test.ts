import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../helpers/cli.ts";

/**
 * The built admin UI (what the binary embeds) stays within its budget: all
 * assets together at most 200 KiB gzipped. It is rebuilt first when a
 * source is newer than the build, so the number is always today's.
 */
const BUDGET = 200 * 1024;
const OUT = join(ROOT, ".build", "admin-ui");
const SRC = join(ROOT, "admin-ui");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

function newest(paths: string[]): number {
  return Math.max(0, ...paths.map((p) => statSync(p).mtimeMs));
}

function ensureBuilt(): void {
  const sources = files(SRC).filter((f) => !f.includes("node_modules"));
  const index = join(OUT, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newest(sources)) return;
  const p = Bun.spawnSync(["bun", "x", "vite", "build", "--logLevel", "warn"], { cwd: SRC });
  if (p.exitCode !== 0) throw new Error(`admin UI build failed:\n${p.stderr.toString()}`);
}

test("all admin UI assets together are at most 200 KiB gzipped", () => {
  ensureBuilt();
  const sizes = files(OUT).map((f) => ({
    file: relative(OUT, f),
    gzip: Bun.gzipSync(readFileSync(f), { level: 9 }).byteLength,
  }));
  const total = sizes.reduce((n, s) => n + s.gzip, 0);
  const detail = sizes.map((s) => `${s.file}: ${s.gzip} B`).join(", ");
  expect(sizes.length).toBeGreaterThan(1);
  if (total > BUDGET) throw new Error(`the admin UI is ${total} B gzipped, over ${BUDGET} B (${detail})`);
});

test("the page loads nothing from outside the instance and has no inline script or style", () => {
  ensureBuilt();
  const html = readFileSync(join(OUT, "index.html"), "utf8");
  // Every script is a file of ours; no inline code (the CSP forbids it).
  for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
    expect(tag).toMatch(/\bsrc="\/assets\//);
    expect(tag).toMatch(/><\/script>$/);
  }
  expect(html).not.toMatch(/<style\b|\sstyle=/i);
  // Every src/href stays on this origin.
  for (const [, url] of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(url).toMatch(/^\/(?!\/)/);
  const css = files(OUT)
    .filter((f) => f.endsWith(".css"))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  expect(css).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
  expect(css).not.toMatch(/@font-face/i);
});
