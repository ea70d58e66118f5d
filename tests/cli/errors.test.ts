import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";
import { expectOneLineError } from "./support.ts";

afterAll(cleanupTemp);

/** Broken input and what the one-line reason must mention. */
const broken: Array<[string[], RegExp]> = [
  [["nope"], /unknown command "nope"/],
  [["server", "nope"], /unknown command "server nope"/],
  [["server", "init", "--bogus"], /unknown option --bogus/],
  [["server", "init", "--port", "abc"], /port/],
  [["server", "init", "--port", "70000"], /port.*65535/],
  [["server", "init", "--port=0"], /port/],
  [["server", "init", "--domain", "bad domain"], /domain/],
  [["server", "set-config", "--https", "maybe"], /https.*on or off/],
  [["server", "set-config", "--env", "staging"], /env.*development or production/],
  [["server", "start", "--listen", "not-an-ip"], /listen/],
  [["--format", "yaml", "version"], /--format.*yaml/],
  [["version", "--format"], /--format needs a value/],
  [["server", "status", "--db"], /--db needs a value/],
  [["server", "create-key", "--name"], /--name needs a value/],
  [["server", "create-key"], /name/],
  [["version", "extra"], /unexpected argument "extra"/],
  [["@prod", "server", "init"], /server init.*@prod/],
  [["@prod", "server", "start"], /server start.*@prod/],
  [["@not/a/peer", "version"], /peer/],
];

describe("broken input: one line on stderr, non-zero exit, nothing on stdout", () => {
  for (const [args, mentions] of broken) {
    test(`fazt ${args.join(" ")}`, async () => {
      const home = tempDir();
      const r = await fazt(args, { home });
      expectOneLineError(r, mentions);
      // Refusing input never leaves a database behind.
      expect(existsSync(join(home, ".fazt", "data.db"))).toBe(false);
    });
  }

  test("usage errors exit with 2", async () => {
    const r = await fazt(["nope"], { home: tempDir() });
    expect(r.code).toBe(2);
  });

  test("a refused value is reported the same on a command that needs the database", async () => {
    const home = tempDir();
    const r = await fazt(["server", "set-config", "--port", "70000"], { home });
    // The flag is checked before the (missing) database is looked at.
    expectOneLineError(r, /port/);
  });

  test("`--port abc` is explained as not being a number", async () => {
    const r = await fazt(["server", "init", "--port", "abc"], { home: tempDir() });
    const line = expectOneLineError(r);
    expect(line).toMatch(/port: must be a (whole )?number/);
  });
});

describe("FAZT_DEBUG=1", () => {
  test("adds a stack trace after the one-line reason", async () => {
    const r = await fazt(["nope"], { home: tempDir(), env: { FAZT_DEBUG: "1" } });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    const [first, ...rest] = r.stderr.trimEnd().split("\n");
    expect(first).toStartWith("fazt: unknown command");
    expect(rest.some((line) => /^\s+at /.test(line))).toBe(true);
  });

  test("is off unless set to 1", async () => {
    const r = await fazt(["nope"], { home: tempDir(), env: { FAZT_DEBUG: "0" } });
    expectOneLineError(r);
  });
});
