import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { data, type Instance, makeFolder, startInstance, stopInstances } from "./instance.ts";
import { expectOneLineError, PASSWORD, readDb } from "./support.ts";

/** `here` is the laptop (its own instance, the `local` peer); `other` a second instance reached as a peer. */
let here: Instance;
let other: Instance;
let otherToken: string;

beforeAll(async () => {
  [here, other] = await Promise.all([startInstance(), startInstance()]);
  const key = await other.run(["server", "create-key", "--name", "laptop", "--format", "json"]);
  otherToken = data<{ token: string }>(key).token;
});
afterAll(async () => {
  await stopInstances();
  cleanupTemp();
});

/** The part of a token that must never be printed. */
const secretOf = (token: string) => token.split("_").at(-1)!;

const appNames = async (inst: Instance) => {
  const r = await inst.run(["@local", "app", "list", "--format", "json"]);
  return data<Array<{ name: string }>>(r).map((a) => a.name);
};

describe("peer add / list / default / remove", () => {
  test("adds a peer (the first becomes the default) and never prints its key", async () => {
    const url = `http://127.0.0.1:${other.port}`;
    const add = await here.run(["peer", "add", "other", "--url", `${url}/`, "--token", otherToken]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("default");
    expect(add.stdout + add.stderr).not.toContain(secretOf(otherToken));

    const list = await here.run(["peer", "list"]);
    expect(list.stdout).toMatch(new RegExp(`^other\\s+${url}\\s+fazt_key_\\w{0,4}…\\s+yes$`, "m"));
    const json = await here.run(["peer", "list", "--format", "json"]);
    expect(json.stdout).not.toContain(secretOf(otherToken));
    const peers = data<Array<{ name: string; url: string; token: string; isDefault: boolean }>>(json);
    expect(peers.find((p) => p.name === "other")).toMatchObject({ url, isDefault: true });
    expect(peers.find((p) => p.name === "other")!.token).toEndWith("…");

    // Stored as given (the CLI must send it), in the private database.
    const row = readDb(here.db, (d) =>
      d.query<{ token: string }, []>("SELECT token FROM peers WHERE name = 'other'").get(),
    );
    expect(row?.token).toBe(otherToken);
  });

  test("re-adding a name is a conflict; bad names, URLs and keys are refused", async () => {
    const url = `http://127.0.0.1:${other.port}`;
    const cases: Array<[string[], RegExp]> = [
      [["other", "--url", url, "--token", otherToken], /exists already.*peer remove other/],
      [["local", "--url", url, "--token", otherToken], /local.*choose another name/],
      [["Bad!", "--url", url, "--token", otherToken], /name/],
      [["x", "--url", "ftp://host", "--token", otherToken], /url.*http/],
      [["x", "--url", "not a url", "--token", otherToken], /url/],
      [["x", "--url", url, "--token", "hunter2"], /token.*fazt API key/],
      [["x", "--url", url], /token/],
    ];
    for (const [args, reason] of cases) {
      const r = await here.run(["peer", "add", ...args]);
      expectOneLineError(r, reason);
      expect(r.stderr).not.toContain(secretOf(otherToken));
    }
  });

  test("plain http to a non-loopback host warns that the key travels unencrypted", async () => {
    const home = tempDir();
    const r = await fazt(["peer", "add", "lan", "--url", "http://192.0.2.10:4698", "--token", otherToken], {
      home,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*plain http/);
  });

  test("@PEER, --to PEER and the default peer pick the target; @local the instance on this machine", async () => {
    const site = makeFolder({ "index.html": "<p>remote</p>" }, "remote-site");
    const viaAt = await here.run(["@other", "app", "deploy", site, "--format", "json"]);
    expect(data<{ peer: string; url: string }>(viaAt)).toMatchObject({
      peer: "other",
      url: `http://remote-site.localhost:${other.port}`,
    });
    expect(await (await other.get("/", "remote-site.localhost")).text()).toBe("<p>remote</p>");
    expect(await appNames(here)).not.toContain("remote-site");

    const site2 = makeFolder({ "index.html": "<p>to</p>" }, "to-site");
    const viaTo = await here.run(["app", "deploy", site2, "--to", "other", "--format", "json"]);
    expect(data<{ peer: string }>(viaTo).peer).toBe("other");
    expect(await (await other.get("/", "to-site.localhost")).text()).toBe("<p>to</p>");

    // `other` is the default: a bare command acts on it.
    const list = await here.run(["app", "list", "--format", "json"]);
    expect(data<Array<{ name: string }>>(list).map((a) => a.name)).toContain("to-site");
    // @local goes to this machine's instance.
    const local = await here.run([
      "@local",
      "app",
      "deploy",
      makeFolder({ "index.html": "l" }, "mine"),
      "--format",
      "json",
    ]);
    expect(data<{ peer: string }>(local).peer).toBe("local");
    expect(await appNames(here)).toContain("mine");

    expectOneLineError(await here.run(["@local", "app", "deploy", site, "--to", "other"]), /different peers/);
  });

  test("peer default switches the target; peer remove forgets it", async () => {
    const setLocal = await here.run(["peer", "default", "local", "--format", "json"]);
    expect(data<{ name: string; isDefault: boolean }>(setLocal)).toMatchObject({
      name: "local",
      isDefault: true,
    });
    const bare = await here.run(["app", "list", "--format", "json"]);
    expect(data<Array<{ name: string }>>(bare).map((a) => a.name)).toContain("mine");

    expect((await here.run(["peer", "default", "other"])).stdout).toContain("other is now the default");
    const defaults = readDb(here.db, (d) =>
      d.query<{ name: string }, []>("SELECT name FROM peers WHERE is_default = 1").all(),
    );
    expect(defaults).toEqual([{ name: "other" }]);

    expectOneLineError(await here.run(["peer", "default", "ghost"]), /no peer named "ghost".*fazt peer list/);
    expectOneLineError(await here.run(["peer", "remove", "ghost"]), /no peer named "ghost"/);

    const home = tempDir();
    await fazt(["peer", "add", "a", "--url", "https://a.example", "--token", otherToken], { home });
    await fazt(["peer", "add", "b", "--url", "https://b.example", "--token", otherToken], { home });
    const rm = await fazt(["peer", "remove", "a", "--format", "json"], { home });
    expect(data(rm)).toEqual({ name: "a", removed: true });
    const left = data<Array<{ name: string; isDefault: boolean }>>(
      await fazt(["peer", "list", "--format", "json"], { home }),
    );
    expect(left).toEqual([expect.objectContaining({ name: "b", isDefault: false })]);
  });

  test("a deploy-scope key can deploy, and only deploy", async () => {
    const key = data<{ token: string }>(
      await other.run(["server", "create-key", "--name", "ci", "--scope", "deploy", "--format", "json"]),
    );
    await here.run(["peer", "add", "ci", "--url", `http://127.0.0.1:${other.port}`, "--token", key.token]);
    const site = makeFolder({ "index.html": "<p>ci</p>" }, "from-ci");
    expect(
      data<{ app: string }>(await here.run(["@ci", "app", "deploy", site, "--format", "json"])).app,
    ).toBe("from-ci");
    expect(await (await other.get("/", "from-ci.localhost")).text()).toBe("<p>ci</p>");
    expectOneLineError(await here.run(["@ci", "app", "list"]), /admin key/);
  });

  test("removing the local peer deletes the key the CLI minted; it is set up again when needed", async () => {
    expect((await here.run(["@local", "app", "list"])).code).toBe(0);
    const localKeys = () =>
      readDb(here.db, (d) => d.query("SELECT id FROM api_keys WHERE name = 'cli (local peer)'").all());
    expect(localKeys()).toHaveLength(1);
    expect((await here.run(["peer", "remove", "local"])).code).toBe(0);
    expect(localKeys()).toHaveLength(0);
    expect((await here.run(["@local", "app", "list"])).code).toBe(0);
    expect(localKeys()).toHaveLength(1);
  });

  test("peer list with no database lists nothing and creates nothing", async () => {
    const home = tempDir();
    const r = await fazt(["peer", "list", "--format", "json"], { home });
    expect(data<unknown[]>(r)).toEqual([]);
    expect(await Bun.file(`${home}/.fazt/data.db`).exists()).toBe(false);
  });
});

describe("errors", () => {
  test("an unknown peer names `fazt peer list`", async () => {
    const r = await here.run(["@nope", "app", "list"]);
    expectOneLineError(r, /no peer named "nope" \(see `fazt peer list`\)/);
    expectOneLineError(
      await here.run(["app", "deploy", makeFolder({ "a.html": "a" }), "--to", "nope"]),
      /nope/,
    );
  });

  test("an unreachable peer is one line naming it and its URL", async () => {
    const port = freePort();
    await here.run(["peer", "add", "dead", "--url", `http://127.0.0.1:${port}`, "--token", otherToken]);
    const r = await here.run(["@dead", "app", "list"]);
    expectOneLineError(
      r,
      new RegExp(`^fazt: cannot reach dead at http://127\\.0\\.0\\.1:${port}: connection refused\\n$`),
    );
    const dns = await fazt(
      ["peer", "add", "nxd", "--url", "https://nothing.invalid", "--token", otherToken],
      {
        home: here.home,
      },
    );
    expect(dns.code).toBe(0);
    expectOneLineError(
      await here.run(["@nxd", "app", "list"]),
      /cannot reach nxd at https:\/\/nothing\.invalid: /,
    );
  });

  test("the local instance not running: a hint to start it", async () => {
    const home = tempDir();
    const port = freePort();
    expect(
      (await fazt(["server", "init", "--password", PASSWORD, "--port", String(port)], { home })).code,
    ).toBe(0);
    const r = await fazt(["app", "list"], { home });
    expectOneLineError(
      r,
      new RegExp(
        `cannot reach local at http://127\\.0\\.0\\.1:${port}: connection refused — is \`fazt server start\` running\\?`,
      ),
    );
  });

  test("no database and no peer: says how to start", async () => {
    const r = await fazt(["app", "list"], { home: tempDir() });
    expectOneLineError(r, /no peer is configured.*fazt server start.*fazt peer add/);
  });

  test("a key the peer refuses: the server's reason, never the key", async () => {
    const bad = "fazt_key_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    await here.run(["peer", "add", "wrongkey", "--url", `http://127.0.0.1:${other.port}`, "--token", bad]);
    const r = await here.run(["@wrongkey", "app", "list"], { env: { FAZT_DEBUG: "1" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fazt: wrongkey refused the key: invalid API key/);
    expect(r.stderr).not.toContain("bbbbbbbbbbbbbbbbbbbb");
  });

  test("server commands still act on this machine only", async () => {
    expectOneLineError(await here.run(["@other", "server", "status"]), /server status.*@other/);
    expectOneLineError(await here.run(["@other", "peer", "list"]), /peer list.*@other/);
    expectOneLineError(await here.run(["@other", "app", "create", "x"]), /app create.*@other/);
  });
});
