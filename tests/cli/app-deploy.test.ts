import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";
import type { DeployResult } from "../helpers/deploy.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { data, type Instance, makeFolder, startInstance, stopInstances } from "./instance.ts";
import { expectOneLineError, readDb } from "./support.ts";

/** One server for the whole file; each test deploys its own app name. */
let fz: Instance;
beforeAll(async () => {
  fz = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

/** The server's finish answer, plus the peer the CLI sent it to. */
interface Deployed extends DeployResult {
  peer: string;
}

const deployJson = async (dir: string, ...flags: string[]) =>
  data<Deployed>(await fz.run(["app", "deploy", dir, "--format", "json", ...flags]));

const filesOf = async (app: string) =>
  data<Array<{ path: string }>>(await fz.run(["app", "files", app, "--format", "json"])).map((f) => f.path);

describe("app deploy with no set-up", () => {
  test("deploys to the local instance through a `local` peer the CLI sets up itself", async () => {
    const dir = makeFolder({ "index.html": "<h1>hello</h1>", "css/a.css": "body{}" }, "hello");
    const r = await fz.run(["app", "deploy", dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("hello");
    expect(r.stdout).toContain(`http://hello.localhost:${fz.port}`);

    const page = await fz.get("/", "hello.localhost");
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<h1>hello</h1>");
    expect(await (await fz.get("/css/a.css", "hello.localhost")).text()).toBe("body{}");

    const peers = readDb(fz.db, (d) =>
      d
        .query<{ name: string; url: string; token: string; is_default: number }, []>("SELECT * FROM peers")
        .all(),
    );
    expect(peers).toHaveLength(1);
    expect(peers[0]).toMatchObject({ name: "local", url: `http://127.0.0.1:${fz.port}`, is_default: 0 });
    const keys = readDb(fz.db, (d) =>
      d.query<{ name: string; scope: string }, []>("SELECT name, scope FROM api_keys").all(),
    );
    expect(keys).toEqual([{ name: "cli (local peer)", scope: "admin" }]);
    // The minted token never reaches the output.
    expect(r.stdout + r.stderr).not.toContain(peers[0]!.token);
  });

  test("--format json gives the deploy result; an unchanged redeploy uploads 0 bytes", async () => {
    const dir = makeFolder({ "index.html": "<p>same</p>", "big.txt": "x".repeat(5000) }, "same");
    const first = await deployJson(dir);
    expect(first).toMatchObject({
      app: "same",
      seq: 1,
      files: 2,
      bytes: 5011,
      uploadedBytes: 5011,
      peer: "local",
    });
    expect(first.version).toMatch(/^ver_/);
    expect(first.url).toBe(`http://same.localhost:${fz.port}`);
    const again = await deployJson(dir);
    expect(again).toMatchObject({ app: "same", seq: 2, files: 2, uploadedBytes: 0 });
  });

  test("only changed contents are uploaded", async () => {
    const dir = makeFolder({ "index.html": "<p>v1</p>", "big.txt": "y".repeat(5000) }, "partial");
    await deployJson(dir);
    await Bun.write(join(dir, "index.html"), "<p>v2!</p>");
    const second = await deployJson(dir);
    expect(second.uploadedBytes).toBe("<p>v2!</p>".length);
    expect(await (await fz.get("/", "partial.localhost")).text()).toBe("<p>v2!</p>");
  });

  test("piped output has no progress bar", async () => {
    const dir = makeFolder({ "index.html": "x".repeat(20000) }, "quiet");
    const r = await fz.run(["app", "deploy", dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain("\r");
    expect(r.stdout).not.toContain("\x1b[");
  });
});

describe("name and SPA", () => {
  test("--name > manifest.json name > folder name; an invalid folder name asks for --name", async () => {
    const named = makeFolder({ "index.html": "m", "manifest.json": '{"name":"from-manifest"}' }, "folder-a");
    expect((await deployJson(named)).app).toBe("from-manifest");
    expect((await deployJson(named, "--name", "from-flag")).app).toBe("from-flag");
    expect((await deployJson(makeFolder({ "index.html": "f" }, "Upper-Folder"))).app).toBe("upper-folder");

    const bad = await fz.run(["app", "deploy", makeFolder({ "index.html": "x" }, "bad_name!")]);
    expectOneLineError(bad, /folder name "bad_name!".*--name/);
  });

  test("--spa or manifest.json spa: true serve index.html for unknown paths; a later deploy without turns it off", async () => {
    const dir = makeFolder({ "index.html": "<div id=app></div>" }, "spa-app");
    await deployJson(dir, "--spa");
    const deep = await fz.get("/some/route", "spa-app.localhost");
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe("<div id=app></div>");
    await deployJson(dir);
    expect((await fz.get("/some/route", "spa-app.localhost")).status).toBe(404);
    await Bun.write(join(dir, "manifest.json"), '{"spa": true}');
    await deployJson(dir);
    expect((await fz.get("/some/route", "spa-app.localhost")).status).toBe(200);
  });
});

describe("packing", () => {
  test("skips dot-files, node_modules, *.log and what .gitignore/.faztignore list; warns about private/", async () => {
    const dir = makeFolder(
      {
        "index.html": "i",
        ".env": "SECRET=1",
        ".git/HEAD": "ref",
        "node_modules/x/index.js": "x",
        "debug.log": "log",
        ".gitignore": "*.map\nprivate/\n",
        ".faztignore": "drafts/\n",
        "app.js": "a",
        "app.js.map": "m",
        "drafts/wip.html": "w",
        "private/notes.html": "p",
      },
      "packed",
    );
    const r = await fz.run(["app", "deploy", dir, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: skipping private\/[^\n]*--include-private[^\n]*\n$/);
    expect(data<Deployed>(r).files).toBe(2);
    expect(await filesOf("packed")).toEqual(["app.js", "index.html"]);

    const withPrivate = await fz.run(["app", "deploy", dir, "--include-private", "--format", "json"]);
    expect(withPrivate.stderr).toBe("");
    expect(await filesOf("packed")).toEqual(["app.js", "index.html", "private/notes.html"]);
  });

  test("a symbolic link is refused with one line naming it; nothing is deployed", async () => {
    const dir = makeFolder({ "index.html": "i" }, "linked");
    symlinkSync("/etc/passwd", join(dir, "passwd"));
    expectOneLineError(await fz.run(["app", "deploy", dir]), /passwd is a symbolic link/);
    expectOneLineError(await fz.run(["app", "info", "linked"]), /linked/);
  });

  test("a missing folder and an empty one are clear errors", async () => {
    expectOneLineError(await fz.run(["app", "deploy", join(fz.home, "nope")]), /no such folder/);
    expectOneLineError(
      await fz.run(["app", "deploy", makeFolder({ ".env": "x" }, "empty")]),
      /nothing to deploy/,
    );
  });
});

describe("build step", () => {
  const project = (name: string) =>
    makeFolder(
      {
        "package.json": JSON.stringify({ name, scripts: { build: "bun build.ts" } }),
        "build.ts": [
          `import { mkdirSync, writeFileSync } from "node:fs";`,
          `console.log("building the site");`,
          `mkdirSync("dist", { recursive: true });`,
          `writeFileSync("dist/index.html", "<h1>built</h1>");`,
          `writeFileSync("dist/app.js", "console.log(1)");`,
        ].join("\n"),
        "index.html": "<h1>source</h1>",
      },
      name,
    );

  test("runs package.json's build script (output on stderr) and deploys dist/", async () => {
    const dir = project("built");
    const r = await fz.run(["app", "deploy", dir, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("building the site");
    expect(data<Deployed>(r)).toMatchObject({ app: "built", files: 2 });
    expect(await filesOf("built")).toEqual(["app.js", "index.html"]);
    expect(await (await fz.get("/", "built.localhost")).text()).toBe("<h1>built</h1>");
  });

  test("--no-build deploys the folder as it is", async () => {
    const dir = project("unbuilt");
    const r = await fz.run(["app", "deploy", dir, "--no-build", "--format", "json"]);
    expect(r.stderr).not.toContain("building");
    expect(data<Deployed>(r).app).toBe("unbuilt");
    expect(await (await fz.get("/", "unbuilt.localhost")).text()).toBe("<h1>source</h1>");
  });

  test("a build that fails, or writes no index.html, ends with a one-line reason", async () => {
    const failing = makeFolder(
      { "package.json": JSON.stringify({ scripts: { build: "bun fail.ts" } }), "fail.ts": "process.exit(3)" },
      "failing",
    );
    const failed = await fz.run(["app", "deploy", failing]);
    expect(failed.code).toBe(1);
    // The build's own output comes first (on stderr); the reason is the last line.
    expect(failed.stderr).toMatch(/\nfazt: the build \(`bun run build`\) failed with exit code 3\n$/);
    expect(failed.stdout).toBe("");
    const noIndex = makeFolder(
      {
        "package.json": JSON.stringify({ scripts: { build: "bun b.ts" } }),
        "b.ts": `require("node:fs").mkdirSync("dist"); require("node:fs").writeFileSync("dist/a.js", "1")`,
      },
      "noindex",
    );
    const r = await fz.run(["app", "deploy", noIndex]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dist\/, build\/, out\/ holds an index.html/);
  });
});

describe("managing apps", () => {
  test("list, info, versions, rollback (previous, --to id, --to #n), files, pull", async () => {
    const dir = makeFolder({ "index.html": "<p>one</p>", "sub/deep/file.txt": "deep" }, "trip");
    const v1 = await deployJson(dir, "--message", "first");
    await Bun.write(join(dir, "index.html"), "<p>two</p>");
    const v2 = await deployJson(dir);

    const list = data<Array<{ name: string; version: { id: string } }>>(
      await fz.run(["app", "list", "--format", "json"]),
    );
    expect(list.find((a) => a.name === "trip")?.version.id).toBe(v2.version);
    const text = await fz.run(["app", "list"]);
    expect(text.stdout).toMatch(/^NAME\s+VERSION/);
    expect(text.stdout).toMatch(/^trip\s+#2\s/m);

    const info = data<{ name: string; version: { id: string; seq: number }; keptVersions: number }>(
      await fz.run(["app", "info", "trip", "--format", "json"]),
    );
    expect(info).toMatchObject({ name: "trip", version: { id: v2.version, seq: 2 }, keptVersions: 2 });

    const versions = data<Array<{ id: string; current: boolean; message: string | null }>>(
      await fz.run(["app", "versions", "trip", "--format", "json"]),
    );
    expect(versions.map((v) => v.id)).toEqual([v2.version, v1.version]);
    expect(versions[1]!.message).toBe("first");
    expect((await fz.run(["app", "versions", "trip"])).stdout).toContain(v1.version);

    const back = data<{ id: string; current: boolean }>(
      await fz.run(["app", "rollback", "trip", "--format", "json"]),
    );
    expect(back).toMatchObject({ id: v1.version, current: true });
    expect(await (await fz.get("/", "trip.localhost")).text()).toBe("<p>one</p>");
    const forward = await fz.run(["app", "rollback", "trip", "--to", v2.version]);
    expect(forward.stdout).toContain(`#2 (${v2.version})`);
    expect(await (await fz.get("/", "trip.localhost")).text()).toBe("<p>two</p>");
    expect(
      data<{ id: string }>(await fz.run(["app", "rollback", "trip", "--to", "1", "--format", "json"])).id,
    ).toBe(v1.version);
    expectOneLineError(await fz.run(["app", "rollback", "trip", "--to", "9"]), /no kept version #9/);
    expectOneLineError(await fz.run(["app", "rollback", "trip", "--to", "ver_nope"]), /ver_nope/);

    expect(await filesOf("trip")).toEqual(["index.html", "sub/deep/file.txt"]);
    const pull = await fz.run(["app", "pull", "trip", "--format", "json"]);
    expect(data<{ files: number }>(pull).files).toBe(2);
    // Default folder ./NAME in the working directory (the CLI's cwd is HOME here).
    expect(readFileSync(join(fz.home, "trip", "index.html"), "utf8")).toBe("<p>one</p>");
    expect(readFileSync(join(fz.home, "trip", "sub", "deep", "file.txt"), "utf8")).toBe("deep");
    // A non-empty folder is never overwritten.
    expectOneLineError(await fz.run(["app", "pull", "trip"]), /not empty/);
    const out = join(fz.home, "elsewhere");
    expect((await fz.run(["app", "pull", "trip", "--out", out])).code).toBe(0);
    expect(readFileSync(join(out, "index.html"), "utf8")).toBe("<p>one</p>");
  });

  test("an unknown app is a one-line error from the server", async () => {
    for (const cmd of ["info", "versions", "files", "pull", "rollback"]) {
      expectOneLineError(await fz.run(["app", cmd, "ghost"]), /ghost/);
    }
  });

  test("remove: refused without --yes when not on a terminal; removed with --yes", async () => {
    await deployJson(makeFolder({ "index.html": "bye" }, "doomed"));
    const refused = await fz.run(["app", "remove", "doomed"], { stdin: "y\n" });
    expectOneLineError(refused, /--yes/);
    expect(refused.code).toBe(2);
    expect((await fz.get("/", "doomed.localhost")).status).toBe(200);

    const removed = await fz.run(["app", "remove", "doomed", "--yes", "--format", "json"]);
    expect(data(removed)).toEqual({ name: "doomed", removed: true });
    expect((await fz.get("/", "doomed.localhost")).status).toBe(404);
    expectOneLineError(await fz.run(["app", "info", "doomed"]), /doomed/);
  });
  // A terminal is needed to be asked; `script` (util-linux) provides one where it is installed.
  test.skipIf(!Bun.which("script"))("on a terminal, remove asks and only 'y' removes", async () => {
    await deployJson(makeFolder({ "index.html": "ask" }, "asked"));
    const onTty = async (answer: string) => {
      const cmd = `${process.execPath} ${join(ROOT, "src", "main.ts")} app remove asked`;
      const proc = Bun.spawn(["script", "-qec", cmd, "/dev/null"], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: fz.home },
        cwd: fz.home,
        stdin: new TextEncoder().encode(answer),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      return { out, code };
    };
    const no = await onTty("n\n");
    expect(no.out).toContain("Remove app asked and all its versions? [y/N]");
    expect(no.out).toContain("cancelled");
    expect(no.code).toBe(1);
    expect((await fz.get("/", "asked.localhost")).status).toBe(200);
    const yes = await onTty("y\n");
    expect(yes.code).toBe(0);
    expect(yes.out).toContain("app asked removed");
    expect((await fz.get("/", "asked.localhost")).status).toBe(404);
  });
});

describe("aliases", () => {
  test("set --app, --redirect, --reserved; list; remove", async () => {
    await deployJson(makeFolder({ "index.html": "<p>target</p>" }, "target"));
    const asApp = data<{ name: string; type: string; app: string }>(
      await fz.run(["alias", "set", "other-name", "--app", "target", "--format", "json"]),
    );
    expect(asApp).toMatchObject({ name: "other-name", type: "app", app: "target" });
    expect(await (await fz.get("/", "other-name.localhost")).text()).toBe("<p>target</p>");

    const redirect = await fz.run(["alias", "set", "go", "--redirect", "https://example.com/base"]);
    expect(redirect.code).toBe(0);
    const res = await fz.get("/path?q=1", "go.localhost");
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toStartWith("https://example.com/base");

    expect((await fz.run(["alias", "set", "held", "--reserved"])).code).toBe(0);
    expect((await fz.get("/", "held.localhost")).status).toBe(404);

    const list = data<Array<{ name: string; type: string; url: string | null }>>(
      await fz.run(["alias", "list", "--format", "json"]),
    );
    expect(list.find((a) => a.name === "go")).toMatchObject({
      type: "redirect",
      url: "https://example.com/base",
    });
    expect(list.find((a) => a.name === "held")?.type).toBe("reserved");
    expect((await fz.run(["alias", "list"])).stdout).toMatch(/^go\s+redirect\s+https:\/\/example.com\/base/m);

    expect(data(await fz.run(["alias", "remove", "go", "--format", "json"]))).toEqual({
      name: "go",
      removed: true,
    });
    expect((await fz.get("/", "go.localhost")).status).toBe(404);
    expectOneLineError(await fz.run(["alias", "remove", "go"]), /go/);
  });

  test("alias set needs exactly one of --app, --redirect, --reserved", async () => {
    for (const args of [
      [],
      ["--app", "a", "--reserved"],
      ["--app", "a", "--redirect", "https://x.example"],
    ]) {
      const r = await fz.run(["alias", "set", "x", ...args]);
      expectOneLineError(r, /exactly one/);
      expect(r.code).toBe(2);
    }
    expectOneLineError(await fz.run(["alias", "set", "x", "--redirect", "ftp://x"]), /redirect.*http/);
  });
});

describe("the local peer's key", () => {
  test("is minted again when the server no longer accepts it", async () => {
    expect((await fz.run(["app", "list"])).code).toBe(0);
    const before = readDb(
      fz.db,
      (d) => d.query<{ token: string }, []>("SELECT token FROM peers WHERE name = 'local'").get()!,
    );
    // Delete the key as an admin would (the database is the server's too).
    const { Database } = await import("bun:sqlite");
    const db = new Database(fz.db);
    db.exec("DELETE FROM api_keys WHERE name = 'cli (local peer)'");
    db.close();
    const r = await fz.run(["app", "list", "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const after = readDb(
      fz.db,
      (d) => d.query<{ token: string }, []>("SELECT token FROM peers WHERE name = 'local'").get()!,
    );
    expect(after.token).not.toBe(before.token);
    expect(readDb(fz.db, (d) => d.query("SELECT id FROM api_keys").all())).toHaveLength(1);
  });
});
