import { afterAll, describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const ESC = String.fromCharCode(27);

describe("fazt version", () => {
  test("prints the version from package.json", async () => {
    const r = await fazt(["version"], { home: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toStartWith(`fazt ${pkg.version} (`);
  });

  test("--format json gives {data: {version, commit}}", async () => {
    const r = await fazt(["version", "--format", "json"], { home: tempDir() });
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { data: { version: string; commit: string } };
    expect(body.data.version).toBe(pkg.version);
    expect(body.data.commit).toBe("source");
  });

  test("--verbose reports that the app sandbox works", async () => {
    const r = await fazt(["version", "--verbose"], { home: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sandbox\s+ok$/m);
    const json = await fazt(["--format=json", "version", "--verbose"], { home: tempDir() });
    expect((JSON.parse(json.stdout) as { data: { sandbox: string } }).data.sandbox).toBe("ok");
  });

  test("does not create a database", async () => {
    const home = tempDir();
    await fazt(["version"], { home });
    expect(await Bun.file(`${home}/.fazt/data.db`).exists()).toBe(false);
  });
});

describe("help", () => {
  const cases: Array<[string[], string[]]> = [
    [["--help"], ["server", "version"]],
    [
      ["server", "--help"],
      ["init", "start", "status", "set-config", "set-credentials", "create-key"],
    ],
    [
      ["server", "start", "--help"],
      ["--port", "--domain", "--https", "--listen"],
    ],
    [
      ["server", "init", "--help"],
      ["--domain", "--port", "--username", "--password"],
    ],
    [
      ["server", "set-config", "--help"],
      ["--domain", "--port", "--env", "--https", "--email"],
    ],
    [
      ["server", "create-key", "--help"],
      ["--name", "--scope"],
    ],
  ];
  for (const [args, lists] of cases) {
    test(`fazt ${args.join(" ")} exits 0 and lists ${lists.join(", ")}`, async () => {
      const r = await fazt(args, { home: tempDir() });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      for (const item of lists) expect(r.stdout).toContain(item);
      // stdout is a pipe here: no colours.
      expect(r.stdout).not.toContain(ESC);
    });
  }

  test("-h is the same as --help", async () => {
    const home = tempDir();
    const [long, short] = await Promise.all([
      fazt(["server", "--help"], { home }),
      fazt(["server", "-h"], { home }),
    ]);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });

  test("a group without a subcommand prints its usage", async () => {
    const r = await fazt(["server"], { home: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("set-credentials");
  });

  // SPEC §10 names the flags in kebab-case; the help must show what a user types.
  test("help shows multi-word flags as typed: --password-stdin, --release-base-url", async () => {
    const home = tempDir();
    const creds = await fazt(["server", "set-credentials", "--help"], { home });
    expect(creds.stdout).toContain("--password-stdin");
    const config = await fazt(["server", "set-config", "--help"], { home });
    expect(config.stdout).toContain("--release-base-url");
  });

  test("a subcommand's usage line is a command the user can type (fazt server start)", async () => {
    const r = await fazt(["server", "start", "--help"], { home: tempDir() });
    expect(r.stdout).toMatch(/USAGE fazt server start\b/);
  });
});
