/**
 * `fazt app logs NAME [-f] [-n N]` and `fazt app env NAME [set KEY=VALUE… |
 * unset KEY…]` as processes, against a real server process (SPEC §5).
 * Lines are written into the instance's database from this process, as
 * another process would: the server picks them up by polling.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { appendLog } from "../../src/apps/logs.ts";
import { openStore, type Store } from "../../src/db/open.ts";
import { ROOT } from "../helpers/cli.ts";
import { cleanupTemp } from "../helpers/temp.ts";
import { data, type Instance, makeFolder, startInstance, stopInstances } from "./instance.ts";
import { expectOneLineError } from "./support.ts";

setDefaultTimeout(30_000);

let fz: Instance;
let store: Store;

beforeAll(async () => {
  fz = await startInstance();
  store = openStore(fz.db, { create: false });
});
afterAll(async () => {
  store.close();
  await stopInstances();
  cleanupTemp();
});

async function deploy(name: string): Promise<string> {
  const r = await fz.run(["app", "deploy", makeFolder({ "index.html": `<p>${name}</p>` }, name)]);
  expect(r.code, r.stderr).toBe(0);
  return store.sqlite.query<{ id: string }, [string]>("SELECT id FROM apps WHERE name = ?").get(name)!.id;
}

interface Line {
  id: number;
  level: string;
  message: string;
  requestId: string | null;
  createdAt: number;
}

describe("fazt app logs", () => {
  test("prints `time level [requestId] message`, -n limits, --format json gives {data}", async () => {
    const id = await deploy("cli-logs");
    appendLog(store, id, { level: "info", message: "first", requestId: "req_a1" });
    appendLog(store, id, { level: "error", message: "boom\n  at x" });
    appendLog(store, id, { level: "warn", message: "third", requestId: "req_a3" });

    const r = await fz.run(["app", "logs", "cli-logs"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = r.stdout.trimEnd().split("\n");
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info {2}\[req_a1\] first$/);
    expect(out[1]).toMatch(/ error boom$/);
    expect(out[2]).toBe("  at x");
    expect(out[3]).toMatch(/ warn {2}\[req_a3\] third$/);

    const two = await fz.run(["app", "logs", "cli-logs", "-n", "2"]);
    expect(two.stdout).not.toContain("first");
    expect(two.stdout).toContain("third");
    const long = await fz.run(["app", "logs", "cli-logs", "--lines", "1"]);
    expect(long.stdout.trimEnd().split("\n")).toHaveLength(1);

    const json = data<Line[]>(await fz.run(["app", "logs", "cli-logs", "-n", "2", "--format", "json"]));
    expect(json.map((l) => l.message)).toEqual(["boom\n  at x", "third"]);
    expect(json[1]).toMatchObject({ level: "warn", requestId: "req_a3" });
  });

  test("an app with no lines prints nothing; refusals are one line", async () => {
    await deploy("cli-quiet");
    const r = await fz.run(["app", "logs", "cli-quiet"]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(data<Line[]>(await fz.run(["app", "logs", "cli-quiet", "--format", "json"]))).toEqual([]);

    expectOneLineError(await fz.run(["app", "logs", "no-such-app"]), /no app named "no-such-app"/);
    const bad = await fz.run(["app", "logs", "cli-quiet", "-n", "0"]);
    expectOneLineError(bad, /-n/);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(await fz.run(["app", "logs", "cli-quiet", "-n"]))).toMatch(/needs a value/);
    expect((await fz.run(["app", "logs", "cli-quiet", "-x"])).code).toBe(2);
    expect((await fz.run(["app", "logs", "cli-quiet", "extra"])).code).toBe(2);
  });

  for (const format of ["text", "json"] as const) {
    test(`-f prints the recent lines, then a line appended after it started (${format})`, async () => {
      const name = `cli-follow-${format}`;
      const id = await deploy(name);
      appendLog(store, id, { level: "info", message: "before" });
      const proc = Bun.spawn(
        [process.execPath, join(ROOT, "src", "main.ts"), "app", "logs", name, "-f", "--format", format],
        {
          cwd: fz.home,
          env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: fz.home },
          stdin: "ignore",
          stdout: "pipe",
          stderr: "pipe",
        },
      );
      let out = "";
      const reading = (async () => {
        const decoder = new TextDecoder();
        const reader = proc.stdout.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          out += decoder.decode(value, { stream: true });
        }
      })();
      const until = async (pred: () => boolean, ms = 10_000) => {
        const deadline = Date.now() + ms;
        while (!pred()) {
          if (Date.now() > deadline) throw new Error(`timed out; output so far: ${JSON.stringify(out)}`);
          await Bun.sleep(20);
        }
      };
      try {
        await until(() => out.includes("before"));
        appendLog(store, id, { level: "warn", message: "after start", requestId: "req_f1" });
        await until(() => out.includes("after start"));
        const lines = out.trimEnd().split("\n");
        expect(lines).toHaveLength(2);
        if (format === "json") {
          const parsed = lines.map((l) => JSON.parse(l) as Line);
          expect(parsed.map((l) => l.message)).toEqual(["before", "after start"]);
          expect(parsed[1]).toMatchObject({ level: "warn", requestId: "req_f1" });
        } else {
          expect(lines[1]).toMatch(/ warn {2}\[req_f1\] after start$/);
        }
      } finally {
        proc.kill("SIGINT");
        await proc.exited;
        await reading;
      }
      expect(await new Response(proc.stderr).text()).toBe("");
    });
  }
});

describe("fazt app env", () => {
  interface Entry {
    key: string;
    value: string;
    updatedAt: number;
  }

  test("set, list (fully masked: no first characters, no length), unset", async () => {
    await deploy("cli-env");
    const secret = "sk_live_abcdefghijklmnop";
    const set = await fz.run(["app", "env", "cli-env", "set", `API_KEY=${secret}`, "MODE=prod", "EQ=a=b=c"]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("API_KEY, MODE, EQ");
    expect(set.stdout).not.toContain(secret);

    const list = await fz.run(["app", "env", "cli-env"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^KEY\s+VALUE\s+UPDATED/);
    expect(list.stdout).toMatch(/API_KEY\s+••••••••\s+\d{4}-/);
    expect(list.stdout).toMatch(/MODE\s+••••••••\s+\d{4}-/);
    expect(list.stdout).not.toContain(secret);
    expect(list.stdout).not.toContain("sk");
    expect(list.stdout).not.toContain("prod");

    const jsonRun = await fz.run(["app", "env", "cli-env", "--format", "json"]);
    expect(jsonRun.stdout).not.toContain("sk");
    const json = data<Entry[]>(jsonRun);
    expect(json.map((e) => [e.key, e.value])).toEqual([
      ["API_KEY", "••••••••"],
      ["EQ", "••••••••"],
      ["MODE", "••••••••"],
    ]);
    expect(Object.keys(json[0]!).sort()).toEqual(["key", "updatedAt", "value"]);
    const stored = store.sqlite
      .query<{ value: string }, []>(
        "SELECT value FROM app_env WHERE key = 'EQ' AND app_id = (SELECT id FROM apps WHERE name = 'cli-env')",
      )
      .get();
    expect(stored?.value).toBe("a=b=c");

    const unset = data<Entry[]>(
      await fz.run(["app", "env", "cli-env", "unset", "API_KEY", "EQ", "--format", "json"]),
    );
    expect(unset.map((e) => e.key)).toEqual(["MODE"]);
    expect((await fz.run(["app", "env", "cli-env", "unset", "MODE"])).code).toBe(0);
    expect((await fz.run(["app", "env", "cli-env"])).stdout).toBe("cli-env has no env keys\n");
  });

  test("refusals: bad keys name the key, missing pairs, unknown action, unknown app", async () => {
    await deploy("cli-env-bad");
    const bad = await fz.run(["app", "env", "cli-env-bad", "set", "OK=1", "1BAD=2"]);
    expectOneLineError(bad, /"1BAD"/);
    expect(bad.code).toBe(2);
    // Nothing was sent: OK is not set either.
    expect(data<Entry[]>(await fz.run(["app", "env", "cli-env-bad", "--format", "json"]))).toEqual([]);

    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "set", "NOEQUALS"]), /"NOEQUALS"/);
    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "set"]), /KEY=VALUE/);
    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "unset", "A=1"]), /keys only/);
    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "unset", "a-b"]), /"a-b"/);
    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "show"]), /unknown action "show"/);
    expectOneLineError(await fz.run(["app", "env", "cli-env-bad", "--bogus"]), /unknown option --bogus/);
    expectOneLineError(await fz.run(["app", "env", "nope", "set", "A=1"]), /no app named "nope"/);
    expectOneLineError(await fz.run(["app", "env", "nope"]), /no app named "nope"/);
    // The server's limit, in the server's words.
    expectOneLineError(
      await fz.run(["app", "env", "cli-env-bad", "set", `BIG=${"x".repeat(33 * 1024)}`]),
      /BIG/,
    );
  });

  test("--help lists the documented arguments only", async () => {
    const r = await fz.run(["app", "env", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("NAME");
    expect(r.stdout).toContain("ACTION");
    expect(r.stdout).toContain("ITEMS");
    expect(r.stdout).not.toMatch(/MORE\d/);
    const logs = await fz.run(["app", "logs", "--help"]);
    expect(logs.stdout).toContain("-f, --follow");
    expect(logs.stdout).toContain("-n, --lines");
  });
});
