import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  appNameFor,
  buildCommand,
  buildOutput,
  hasBuildScript,
  isIgnored,
  packFolder,
  parseIgnoreFile,
  readManifest,
} from "../../src/cli/pack/index.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

/** A folder holding `files` (path → content). */
function folder(files: Record<string, string>, name?: string): string {
  const root = name ? join(tempDir(), name) : tempDir();
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const paths = (root: string, opts = {}) => packFolder(root, opts).files.map((f) => f.path);

describe("gitignore patterns", () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    // pattern, path, isDir, ignored
    ["*.tmp", "a.tmp", false, true],
    ["*.tmp", "deep/down/a.tmp", false, true],
    ["*.tmp", "a.tmpx", false, false],
    ["/top.txt", "top.txt", false, true],
    ["/top.txt", "sub/top.txt", false, false],
    ["build/", "build", true, true],
    ["build/", "build", false, false],
    ["build/", "src/build", true, true],
    ["docs/*.md", "docs/a.md", false, true],
    ["docs/*.md", "docs/sub/a.md", false, false],
    ["docs/*.md", "x/docs/a.md", false, false],
    ["**/cache", "a/b/cache", true, true],
    ["**/cache", "cache", true, true],
    ["a/**/z.txt", "a/z.txt", false, true],
    ["a/**/z.txt", "a/b/c/z.txt", false, true],
    ["a/**", "a/b/c", false, true],
    ["a/**", "a", true, false],
    ["file?.txt", "file1.txt", false, true],
    ["file?.txt", "file10.txt", false, false],
    ["file[0-3].txt", "file2.txt", false, true],
    ["file[!0-3].txt", "file2.txt", false, false],
    ["# comment", "# comment", false, false],
    ["\\#hash", "#hash", false, true],
    ["trailing   ", "trailing", false, true],
    ["a.b", "axb", false, false],
  ];
  for (const [pattern, path, isDir, ignored] of cases) {
    test(`${JSON.stringify(pattern)} ${ignored ? "ignores" : "keeps"} ${path}${isDir ? "/" : ""}`, () => {
      expect(isIgnored(parseIgnoreFile(pattern, "gitignore"), path, isDir)).toBe(ignored);
    });
  }

  test("the last matching rule wins; ! re-includes", () => {
    const rules = parseIgnoreFile("*.txt\n!keep.txt\n", "gitignore");
    expect(isIgnored(rules, "drop.txt", false)).toBe(true);
    expect(isIgnored(rules, "keep.txt", false)).toBe(false);
    const again = parseIgnoreFile("!keep.txt\n*.txt\n", "gitignore");
    expect(isIgnored(again, "keep.txt", false)).toBe(true);
  });
});

describe("packing a folder", () => {
  test("skips dot-files, dot-folders, node_modules and *.log; keeps the rest, sorted", () => {
    const root = folder({
      "index.html": "<h1>hi</h1>",
      "css/site.css": "body{}",
      ".env": "SECRET=1",
      ".git/config": "x",
      "sub/.hidden": "x",
      "node_modules/lib/index.js": "x",
      "sub/node_modules/a.js": "x",
      "debug.log": "x",
      "logs/app.log": "x",
      "logs/keep.txt": "x",
    });
    expect(paths(root)).toEqual(["css/site.css", "index.html", "logs/keep.txt"]);
  });

  test("reports sizes and absolute paths", () => {
    const root = folder({ "a.txt": "12345" });
    const [file] = packFolder(root).files;
    expect(file!.size).toBe(5);
    expect(file!.abs).toBe(join(root, "a.txt"));
  });

  test("honours .gitignore: patterns, anchors, folders, negation", () => {
    const root = folder({
      ".gitignore": "# build junk\n*.map\n/secret.txt\ndrafts/\n!important.map\n",
      "index.html": "x",
      "app.js.map": "x",
      "important.map": "x",
      "secret.txt": "x",
      "sub/secret.txt": "x",
      "drafts/a.html": "x",
      "sub/drafts/b.html": "x",
    });
    expect(paths(root)).toEqual(["important.map", "index.html", "sub/secret.txt"]);
  });

  test("honours .faztignore, which can re-include what .gitignore or the defaults skip", () => {
    const root = folder({
      ".gitignore": "generated/\n",
      ".faztignore": "*.psd\n!generated/\n!.well-known/\n",
      "index.html": "x",
      "art.psd": "x",
      "generated/data.json": "x",
      ".well-known/security.txt": "x",
      ".env": "x",
    });
    expect(paths(root)).toEqual([".well-known/security.txt", "generated/data.json", "index.html"]);
  });

  test("a .gitignore negation cannot publish a dot-file", () => {
    const root = folder({ ".gitignore": ".env*\n!.env.example\n", ".env.example": "x", "index.html": "x" });
    expect(paths(root)).toEqual(["index.html"]);
  });

  test("nothing below an ignored folder can be re-included (as in git)", () => {
    const root = folder({ ".gitignore": "vendor/\n!vendor/keep.js\n", "vendor/keep.js": "x", "a.html": "x" });
    expect(paths(root)).toEqual(["a.html"]);
  });

  test("private/ listed in .gitignore is skipped with a warning, or deployed with includePrivate", () => {
    const root = folder({
      ".gitignore": "private/\n*.bak\n",
      "index.html": "x",
      "private/report.html": "x",
      "private/old.bak": "x",
    });
    const skipped = packFolder(root);
    expect(skipped.files.map((f) => f.path)).toEqual(["index.html"]);
    expect(skipped.warnings).toHaveLength(1);
    expect(skipped.warnings[0]).toMatch(/private\/.*--include-private/);

    const included = packFolder(root, { includePrivate: true });
    expect(included.files.map((f) => f.path)).toEqual(["index.html", "private/report.html"]);
    expect(included.warnings).toEqual([]);
  });

  test("private/ not listed in .gitignore is deployed without a warning", () => {
    const root = folder({ "index.html": "x", "private/a.html": "x" });
    const r = packFolder(root);
    expect(r.files.map((f) => f.path)).toEqual(["index.html", "private/a.html"]);
    expect(r.warnings).toEqual([]);
  });

  test("a symbolic link is refused, naming it; an ignored one is not looked at", () => {
    const root = folder({ "index.html": "x", "real/a.txt": "x" });
    symlinkSync(join(root, "real"), join(root, "linked"));
    expect(() => packFolder(root)).toThrow(/linked is a symbolic link/);
    writeFileSync(join(root, ".faztignore"), "linked\n");
    expect(paths(root)).toEqual(["index.html", "real/a.txt"]);
  });

  test("a file name the server would refuse is refused here", () => {
    const root = folder({ "index.html": "x", "back\\slash.txt": "x" });
    expect(() => packFolder(root)).toThrow(/backslash/);
  });
});

describe("app name and manifest.json", () => {
  test("--name > manifest.json name > folder name (lower-cased)", () => {
    const withManifest = folder({ "manifest.json": JSON.stringify({ name: "from-manifest" }) }, "Folder");
    expect(appNameFor(withManifest, readManifest(withManifest), "flag-name")).toBe("flag-name");
    expect(appNameFor(withManifest, readManifest(withManifest))).toBe("from-manifest");
    const bare = folder({ "index.html": "x" }, "My-Site");
    expect(appNameFor(bare, readManifest(bare))).toBe("my-site");
  });

  test("an invalid name is a clear error naming its source", () => {
    const bad = folder({ "index.html": "x" }, "my_site!");
    expect(() => appNameFor(bad, null)).toThrow(/folder name "my_site!".*--name/);
    expect(() => appNameFor(bad, null, "-x")).toThrow(/--name "-x"/);
    const reserved = folder({ "manifest.json": '{"name":"admin"}' });
    expect(() => appNameFor(reserved, readManifest(reserved))).toThrow(
      /manifest.json name "admin".*reserved/,
    );
  });

  test("manifest.json: broken JSON and wrong types are refused; other keys are fine", () => {
    expect(() => readManifest(folder({ "manifest.json": "{nope" }))).toThrow(/not valid JSON/);
    expect(() => readManifest(folder({ "manifest.json": '{"spa":"yes"}' }))).toThrow(/spa/);
    expect(() => readManifest(folder({ "manifest.json": "[]" }))).toThrow(/object/);
    expect(readManifest(folder({ "manifest.json": '{"name":"a","spa":true,"icons":[]}' }))).toMatchObject({
      name: "a",
      spa: true,
    });
  });
});

describe("build step", () => {
  test("a build script is detected only in scripts.build", () => {
    expect(hasBuildScript(folder({ "package.json": '{"scripts":{"build":"vite build"}}' }))).toBe(true);
    expect(hasBuildScript(folder({ "package.json": '{"scripts":{"dev":"vite"}}' }))).toBe(false);
    expect(hasBuildScript(folder({ "index.html": "x" }))).toBe(false);
  });

  test("bun when installed, else the lockfile's package manager", () => {
    const dir = folder({ "package.json": "{}", "pnpm-lock.yaml": "" });
    const all = (cmd: string) => `/bin/${cmd}`;
    expect(buildCommand(dir, all)).toEqual(["/bin/bun", "run", "build"]);
    const noBun = (cmd: string) => (cmd === "bun" ? null : `/bin/${cmd}`);
    expect(buildCommand(dir, noBun)[0]).toBe("/bin/pnpm");
    expect(buildCommand(folder({ "yarn.lock": "" }), noBun)[0]).toBe("/bin/yarn");
    expect(buildCommand(folder({ "package-lock.json": "" }), noBun)[0]).toBe("/bin/npm");
    expect(() => buildCommand(dir, () => null)).toThrow(/neither bun nor pnpm.*--no-build/);
  });

  test("the output is the first of dist/, build/, out/ holding an index.html", () => {
    expect(buildOutput(folder({ "build/index.html": "x", "out/index.html": "x" }))).toEndWith("/build");
    expect(buildOutput(folder({ "dist/app.js": "x", "out/index.html": "x" }))).toEndWith("/out");
    expect(() => buildOutput(folder({ "dist/app.js": "x" }))).toThrow(/dist\/, build\/, out\/.*index.html/);
  });
});
