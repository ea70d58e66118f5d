/**
 * Deploys catch broken code: the CLI refuses app code that does not parse
 * (file:line:col, exit 1, nothing uploaded) unless --force; the server
 * activates anyway and answers `warnings` (also in the app's log), for code
 * that does not parse, an api/ without a handler and a site without index.html.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { makeZip } from "../helpers/zip.ts";
import { data, type Instance, makeFolder, startInstance, stopInstances } from "./instance.ts";
import { readDb } from "./support.ts";

let fz: Instance;
beforeAll(async () => {
  fz = await startInstance();
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

interface Deployed {
  app: string;
  url: string;
  warnings: string[];
}

const BROKEN = "export default function (req) {\n  return 1 +;\n}\n";
const blobCount = () =>
  readDb(fz.db, (d) => d.query<{ n: number }, []>("SELECT count(*) AS n FROM blobs").get()!.n);

describe("the CLI refuses code that does not parse", () => {
  test("file:line:col on stderr, exit 1, nothing uploaded", async () => {
    const before = blobCount();
    const dir = makeFolder(
      {
        "index.html": "<p>b</p>",
        "api/main.js": BROKEN,
        "api/lib/worse.js": "const = 3;\n",
        "api/ok.js": "export const a = 1;\n",
      },
      "broken",
    );
    const r = await fz.run(["app", "deploy", dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^api\/main\.js:2:\d+: Unexpected ;$/));
    expect(lines).toContainEqual(expect.stringMatching(/^api\/lib\/worse\.js:1:\d+: /));
    expect(r.stderr).not.toContain("ok.js");
    expect(lines.at(-1)).toMatch(/^fazt: api\/ has code that does not parse: nothing was deployed .*--force/);
    // Nothing reached the server: no app, no contents.
    expect((await fz.run(["app", "info", "broken"])).code).not.toBe(0);
    expect(blobCount()).toBe(before);
    expect((await fz.get("/", "broken.localhost")).status).toBe(404);

    // The same refusal as JSON carries the problems.
    const json = await fz.run(["app", "deploy", dir, "--format", "json"]);
    const body = JSON.parse(json.stdout) as {
      error: { code: string; details: Array<{ file: string; line: number }> };
    };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details).toContainEqual(expect.objectContaining({ file: "api/main.js", line: 2 }));
  });

  test("--force deploys it: static files served, the server's warnings printed and logged", async () => {
    const dir = makeFolder({ "index.html": "<p>forced</p>", "api/main.js": BROKEN }, "forced");
    const r = await fz.run(["app", "deploy", dir, "--force", "--format", "json"]);
    expect(r.code).toBe(0);
    const result = data<Deployed>(r);
    expect(result.warnings).toEqual([expect.stringMatching(/^api\/main\.js:2:\d+: Unexpected ;$/)]);
    expect(r.stderr).toMatch(/^warning: api\/main\.js:2:\d+: Unexpected ;$/m);
    expect(await (await fz.get("/", "forced.localhost")).text()).toBe("<p>forced</p>");
    expect((await fz.get("/api/x", "forced.localhost")).status).toBe(500);

    const logs = data<Array<{ level: string; message: string }>>(
      await fz.run(["app", "logs", "forced", "--format", "json"]),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: expect.stringMatching(/^deploy #1: api\/main\.js:2:\d+: /),
      }),
    );
  });
});

describe("warnings for what deploys but will not work", () => {
  test("no index.html", async () => {
    const r = await fz.run([
      "app",
      "deploy",
      makeFolder({ "about.html": "a" }, "no-index"),
      "--format",
      "json",
    ]);
    expect(data<Deployed>(r).warnings).toEqual(["no index.html at the top: the app's / answers 404"]);
    expect(r.stderr).toContain("warning: no index.html");
  });

  test("a module-style api/main.js with no default export; api/ code without main.js", async () => {
    const noDefault = makeFolder(
      { "index.html": "x", "api/main.js": "export function handler() { return 1 }\n" },
      "no-default",
    );
    expect(data<Deployed>(await fz.run(["app", "deploy", noDefault, "--format", "json"])).warnings).toEqual([
      expect.stringMatching(/^api\/main\.js: written as a module .*no `export default` handler/),
    ]);
    const noMain = makeFolder(
      { "index.html": "x", "api/handler.js": "export default () => 1;\n" },
      "no-main",
    );
    expect(data<Deployed>(await fz.run(["app", "deploy", noMain, "--format", "json"])).warnings).toEqual([
      expect.stringMatching(/^api\/: has code but no main\.js/),
    ]);
  });

  test("sound apps get none: classic style, module style with `export { x as default }`", async () => {
    for (const [name, code] of [
      ["classic-ok", "respond({ ok: true })\n"],
      ["module-ok", "const h = () => ({ ok: true });\nexport { h as default };\n"],
    ] as const) {
      const r = await fz.run([
        "app",
        "deploy",
        makeFolder({ "index.html": "x", "api/main.js": code }, name),
        "--format",
        "json",
      ]);
      expect(data<Deployed>(r).warnings).toEqual([]);
      expect(r.stderr).toBe("");
      expect(await (await fz.get("/api", `${name}.localhost`)).json()).toEqual({ ok: true });
    }
  });
});

describe("the server's deploy result, without the CLI", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  test("the incremental protocol and the zip upload both answer warnings", async () => {
    const finished = (await deployFiles(s, "proto", { "api/main.js": BROKEN })) as unknown as Deployed;
    expect(finished.warnings).toEqual([
      expect.stringMatching(/^api\/main\.js:2:\d+: Unexpected ;$/),
      "no index.html at the top: the app's / answers 404",
    ]);

    const form = new FormData();
    form.set(
      "file",
      new Blob([
        makeZip([
          { name: "index.html", data: "z" },
          { name: "api/main.js", data: BROKEN },
        ]) as Uint8Array<ArrayBuffer>,
      ]),
    );
    form.set("name", "zipped");
    const res = await s.request("/api/deploy", {
      method: "POST",
      headers: { authorization: `Bearer ${s.adminToken}` },
      body: form,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { data: Deployed };
    expect(body.data.warnings).toEqual([expect.stringMatching(/^api\/main\.js:2:\d+: /)]);
    // Activated anyway: the static page is served.
    expect(await (await s.request("/", { host: "zipped.localhost" })).text()).toBe("z");
  });
});
