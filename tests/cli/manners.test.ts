/**
 * CLI manners for a newcomer: --version/-v, `fazt help COMMAND`, "did you
 * mean", `fazt deploy`, missing arguments in plain words, JSON errors under
 * --format json, `app list` without the system apps, `app create --help`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { TEMPLATES } from "../../src/cli/commands/app/templates.ts";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { data, makeFolder } from "./instance.ts";
import { expectOneLineError, PASSWORD } from "./support.ts";

let home: string;
let server: ServerProcess;
beforeAll(async () => {
  // Stored port and listening port differ: the URLs must come from where the server really listens.
  home = tempDir();
  const stored = freePort();
  expect(
    (await fazt(["server", "init", "--password", PASSWORD, "--port", String(stored)], { home })).code,
  ).toBe(0);
  let port = freePort();
  while (port === stored) port = freePort();
  server = await startServerProcess([], { home, port });
});
afterAll(async () => {
  await server.stop();
  cleanupTemp();
});
const run = (args: string[]) => fazt(args, { home });

describe("version and help", () => {
  test("--version and -v print the version; -v --format json gives {data}", async () => {
    for (const flag of ["--version", "-v"]) {
      const r = await fazt([flag], { home: tempDir() });
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith(`fazt ${pkg.version} (`);
    }
    const json = await fazt(["-v", "--format", "json"], { home: tempDir() });
    expect(data<{ version: string }>(json).version).toBe(pkg.version);
  });

  test("fazt help [COMMAND…] is COMMAND --help", async () => {
    const top = await fazt(["help"], { home: tempDir() });
    expect(top.code).toBe(0);
    expect(top.stdout).toBe((await fazt(["--help"], { home: tempDir() })).stdout);
    const deep = await fazt(["help", "app", "deploy"], { home: tempDir() });
    expect(deep.code).toBe(0);
    expect(deep.stdout).toContain("fazt app deploy");
    expect(deep.stdout).toBe((await fazt(["app", "deploy", "--help"], { home: tempDir() })).stdout);
    expectOneLineError(await fazt(["help", "nope"], { home: tempDir() }), /unknown command "nope"/);
  });

  test("app create --help lists every template", async () => {
    const r = await fazt(["app", "create", "--help"], { home: tempDir() });
    expect(r.code).toBe(0);
    for (const t of TEMPLATES) expect(r.stdout).toMatch(new RegExp(`\\b${t} —`));
  });
});

describe("mistakes get a way out", () => {
  test("a mistyped command or flag: did you mean", async () => {
    const h = tempDir();
    expect(expectOneLineError(await fazt(["app", "deplyo", "x"], { home: h }))).toContain(
      'did you mean "app deploy"?',
    );
    expect(expectOneLineError(await fazt(["sever", "status"], { home: h }))).toContain(
      'did you mean "server"?',
    );
    expect(expectOneLineError(await fazt(["app", "deploy", "x", "--mesage", "m"], { home: h }))).toContain(
      "did you mean --message?",
    );
    // Nothing close: no guess.
    expect(expectOneLineError(await fazt(["zzzzzz"], { home: h }))).not.toContain("did you mean");
  });

  test("a missing argument is named in plain words, with the command's synopsis", async () => {
    const h = tempDir();
    const deploy = await fazt(["app", "deploy"], { home: h });
    expect(expectOneLineError(deploy)).toBe(
      "fazt: app deploy needs the folder to deploy: fazt app deploy DIR",
    );
    expect(deploy.code).toBe(2);
    expect(expectOneLineError(await fazt(["app", "remove"], { home: h }))).toBe(
      "fazt: app remove needs the app: fazt app remove NAME",
    );
    expect(expectOneLineError(await fazt(["peer", "add", "x"], { home: h }))).toContain(
      "peer add needs --url URL: fazt peer add NAME --url URL",
    );
  });

  test("--format json: errors are {error: {code, message}} on stdout, the exit code unchanged", async () => {
    const usage = await fazt(["app", "deploy", "--format", "json"], { home: tempDir() });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: { code: "USAGE", message: "app deploy needs the folder to deploy: fazt app deploy DIR" },
    });
    expect(usage.stderr).toMatch(/^fazt: app deploy needs/);

    const missing = await run(["app", "info", "no-such-app", "--format=json"]);
    expect(missing.code).toBe(1);
    const body = JSON.parse(missing.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toContain("no-such-app");
  });
});

describe("fazt deploy and app list", () => {
  test("fazt deploy is app deploy", async () => {
    const dir = makeFolder({ "index.html": "<p>short</p>" }, "short");
    const r = await run(["deploy", dir, "--format", "json"]);
    expect(data<{ app: string; url: string }>(r)).toMatchObject({
      app: "short",
      url: `http://short.localhost:${server.port}`,
    });
    const page = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { host: "short.localhost" } });
    expect(await page.text()).toBe("<p>short</p>");
  });

  test("app list leaves out root and 404 unless --all; root's URL is where it is really served", async () => {
    await run(["deploy", makeFolder({ "index.html": "l" }, "listed")]);
    const names = data<Array<{ name: string }>>(await run(["app", "list", "--format", "json"])).map(
      (a) => a.name,
    );
    expect(names).toContain("listed");
    expect(names).not.toContain("root");
    expect(names).not.toContain("404");
    const text = await run(["app", "list"]);
    expect(text.stdout).not.toMatch(/^root\s/m);
    expect(text.stdout).toContain("--all");

    const all = data<Array<{ name: string; url: string }>>(
      await run(["app", "list", "--all", "--format", "json"]),
    );
    const root = all.find((a) => a.name === "root");
    expect(all.map((a) => a.name)).toContain("404");
    expect(root?.url).toBe(`http://root.localhost:${server.port}`);
    // That URL serves the root app (the bare localhost is the admin host).
    const page = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { host: "root.localhost" } });
    expect(page.status).toBe(200);
    expect((await run(["app", "list", "--all"])).stdout).toMatch(
      new RegExp(`^root\\s.*http://root\\.localhost:${server.port}$`, "m"),
    );
  });
});
