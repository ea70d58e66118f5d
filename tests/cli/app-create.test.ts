import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { data, makeFolder } from "./instance.ts";
import { expectOneLineError } from "./support.ts";

afterAll(cleanupTemp);

const expected: Record<string, string[]> = {
  minimal: ["index.html", "manifest.json"],
  static: ["404.html", "about.html", "index.html", "manifest.json", "style.css"],
  spa: ["app.js", "index.html", "manifest.json"],
  api: ["api", "app.js", "index.html", "manifest.json"],
};

describe("app create", () => {
  for (const [template, files] of Object.entries(expected)) {
    test(`--template ${template} writes ./NAME with ${files.join(", ")}, and it validates`, async () => {
      const home = tempDir();
      const name = `my-${template}`;
      const r = await fazt(["app", "create", name, "--template", template], { home });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const dir = join(home, name);
      expect(readdirSync(dir).sort()).toEqual(files);
      const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<
        string,
        unknown
      >;
      expect(manifest.name).toBe(name);
      if (template === "spa") expect(manifest.spa).toBe(true);
      // No server and no database needed.
      expect(existsSync(join(home, ".fazt"))).toBe(false);

      const ok = await fazt(["app", "validate", name], { home });
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^ok\\s+${name} \\(${files.length} files\\)`, "m"));
      // Validating the working directory by default.
      expect((await fazt(["app", "validate"], { home, cwd: dir })).code).toBe(0);
    });
  }

  test("minimal is the default template; --format json lists the files", async () => {
    const home = tempDir();
    const r = await fazt(["app", "create", "plain", "--format", "json"], { home });
    expect(data(r)).toMatchObject({ name: "plain", template: "minimal", files: expected.minimal });
  });

  test("refuses a non-empty ./NAME, an invalid name and an unknown template", async () => {
    const home = tempDir();
    mkdirSync(join(home, "taken"));
    writeFileSync(join(home, "taken", "keep.txt"), "mine");
    expectOneLineError(await fazt(["app", "create", "taken"], { home }), /taken exists and is not empty/);
    expect(readdirSync(join(home, "taken"))).toEqual(["keep.txt"]);
    mkdirSync(join(home, "empty"));
    expect((await fazt(["app", "create", "empty"], { home })).code).toBe(0);
    expectOneLineError(await fazt(["app", "create", "-bad-"], { home }), /unknown option|name/);
    expectOneLineError(await fazt(["app", "create", "api"], { home }), /reserved/);
    expectOneLineError(
      await fazt(["app", "create", "x", "--template", "rails"], { home }),
      /template.*minimal, static, spa/,
    );
  });
});

describe("app validate", () => {
  const validate = (dir: string, ...flags: string[]) =>
    fazt(["app", "validate", dir, ...flags], { home: tempDir() });

  test("a bad _redirects line fails, naming the file and line", async () => {
    const dir = makeFolder({
      "index.html": "x",
      "manifest.json": '{"name":"rules"}',
      _redirects: "/old /new 301\n/bad\n",
    });
    const r = await validate(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^_redirects:2: expected `FROM TO \[STATUS\]`$/m);
    expect(r.stderr).toMatch(/^fazt: 1 problem in /);
  });

  test("a bad _headers line fails", async () => {
    const dir = makeFolder({
      "index.html": "x",
      "manifest.json": '{"name":"rules"}',
      _headers: "/*\n  Set-Cookie: a=b\n",
    });
    const r = await validate(dir, "--format", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      data: { ok: boolean; problems: Array<{ file: string; line: number }> };
    };
    expect(report.data.ok).toBe(false);
    expect(report.data.problems).toEqual([expect.objectContaining({ file: "_headers", line: 2 })]);
  });

  test("a syntax error in api/main.js fails with its file, line and column", async () => {
    const dir = makeFolder({
      "index.html": "x",
      "manifest.json": '{"name":"code"}',
      "api/main.js": "export default function (req) {\n  return 1 +;\n}\n",
      "api/lib/ok.js": "export const a = 1;\n",
    });
    const r = await validate(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^api\/main\.js:2:\d+: Unexpected ;$/m);
    expect(r.stdout).not.toContain("ok.js");
  });

  test("an invalid or missing manifest name fails; broken JSON too", async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"name":"Not Valid!"}', /^manifest\.json: name "Not Valid!" is not a valid app name/m],
      ['{"name":"admin"}', /reserved/],
      ['{"spa":true}', /^manifest\.json: has no name$/m],
      ["{oops", /^manifest\.json: .*not valid JSON/m],
      ['{"name": 5}', /^manifest\.json: name: must be a string$/m],
    ];
    for (const [manifest, reason] of cases) {
      const r = await validate(makeFolder({ "index.html": "x", "manifest.json": manifest }));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(reason);
    }
  });

  test("without manifest.json the folder name is used, and must be valid", async () => {
    const good = await validate(makeFolder({ "index.html": "x" }, "good-folder"));
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('folder name "good-folder"');
    const bad = await validate(makeFolder({ "index.html": "x" }, "Bad Folder"));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /manifest\.json: missing, and the folder name "bad folder" is not a valid app name/,
    );
  });

  test("reports every problem at once", async () => {
    const dir = makeFolder({
      "manifest.json": '{"name":"-x"}',
      _redirects: "nope\n",
      "api/main.js": "let = ;",
      "index.html": "x",
    });
    const r = await validate(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fazt: 3 problems in /);
  });

  test("a missing folder is a one-line error", async () => {
    expectOneLineError(await validate(join(tempDir(), "nope")), /no such folder/);
  });
});

describe("help", () => {
  test("the new groups are listed and documented", async () => {
    const home = tempDir();
    const root = await fazt(["--help"], { home });
    for (const group of ["app", "alias", "peer"]) expect(root.stdout).toContain(group);
    const app = await fazt(["app", "--help"], { home });
    for (const cmd of [
      "deploy",
      "list",
      "info",
      "remove",
      "versions",
      "rollback",
      "files",
      "pull",
      "create",
      "validate",
    ]) {
      expect(app.stdout).toContain(cmd);
    }
    const deploy = await fazt(["app", "deploy", "--help"], { home });
    for (const flag of ["--to", "--name", "--spa", "--include-private", "--no-build", "--message"]) {
      expect(deploy.stdout).toContain(flag);
    }
    expect((await fazt(["alias", "set", "--help"], { home })).stdout).toContain("--redirect");
    expect((await fazt(["peer", "add", "--help"], { home })).stdout).toContain("--token");
  });
});
