import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { findOwner } from "../../src/auth/owner.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { openDatabase } from "../../src/db/index.ts";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

// Compiled binaries (and qemu) start slowly on a busy machine: more than the default 5 s.
setDefaultTimeout(60_000);

let binary = "";
const started: ServerProcess[] = [];

beforeAll(() => {
  // Builds dist/fazt-linux-x64 when it is missing or older than the sources.
  binary = ensureBinary("linux-x64");
}, 300_000);

afterAll(() => {
  for (const s of started) if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
  cleanupTemp();
});

describe("dist/fazt-linux-x64", () => {
  test("version prints the package.json version and the compiled-in commit", async () => {
    const text = await fazt(["version"], { home: tempDir(), binary });
    expect(text.code).toBe(0);
    expect(text.stdout).toStartWith(`fazt ${pkg.version} (`);

    const json = await fazt(["version", "--format", "json"], { home: tempDir(), binary });
    const { data } = JSON.parse(json.stdout) as { data: { version: string; commit: string } };
    expect(data.version).toBe(pkg.version);
    expect(data.commit).not.toBe("source");
    expect(data.commit).toMatch(/^[0-9a-f]{7,40}(-dirty)?$|^unknown$/);
  });

  test("version --verbose: the QuickJS sandbox loads inside the binary", async () => {
    const r = await fazt(["version", "--verbose", "--format", "json"], { home: tempDir(), binary });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { data } = JSON.parse(r.stdout) as { data: { sandbox: string; platform: string; arch: string } };
    expect(data.sandbox).toBe("ok");
    expect(`${data.platform}-${data.arch}`).toBe("linux-x64");
  });

  test("errors are one line without a stack, as from source", async () => {
    const r = await fazt(["nope"], { home: tempDir(), binary });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^fazt: unknown command "nope"[^\n]*\n$/);
  });

  test("serves /health and the embedded admin UI with a temp HOME", async () => {
    const home = tempDir();
    const server = await startServerProcess([], { home, port: freePort(), binary });
    started.push(server);
    const at = (path: string, host: string, cookie = "") =>
      fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { host, cookie }, redirect: "manual" });

    expect((await at("/health", "localhost")).status).toBe(200);
    // Signed out, the UI's page sends the browser to sign in.
    const out = await at("/", "admin.localhost");
    expect([out.status, out.headers.get("location")]).toEqual([302, "/auth/login?redirect=/"]);
    const store = await openDatabase(join(home, ".fazt", "data.db"), { create: false });
    const { token } = createSession(store, findOwner(store)!.id);
    store.close();
    const ui = await at("/", "admin.localhost", `fazt_session=${token}`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get("content-type")).toContain("text/html");
    expect(await ui.text()).toContain("Fazt admin");
    // The embedded migrations ran: the database is where the default says.
    expect(existsSync(join(home, ".fazt", "data.db"))).toBe(true);
    expect(await server.stop("SIGTERM")).toBe(0);
  });

  test("does not auto-load .env or bunfig.toml from its working directory", async () => {
    const home = tempDir();
    const cwd = tempDir();
    const envDb = join(cwd, "from-dotenv", "data.db");
    const marker = join(cwd, "preloaded");
    writeFileSync(join(cwd, ".env"), `FAZT_DB_PATH=${envDb}\n`);
    writeFileSync(
      join(cwd, "preload.js"),
      `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "x");\n`,
    );
    writeFileSync(join(cwd, "bunfig.toml"), 'preload = ["./preload.js"]\n');

    const r = await fazt(["server", "init", "--password", "correct-horse-battery"], { home, cwd, binary });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(existsSync(join(home, ".fazt", "data.db"))).toBe(true);
    expect(existsSync(envDb)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  test("deploys a site with app code and answers /api from the embedded runtime worker", async () => {
    const home = tempDir();
    const port = freePort();
    expect(
      (
        await fazt(["server", "init", "--password", "correct-horse-battery", "--port", String(port)], {
          home,
          binary,
        })
      ).code,
    ).toBe(0);
    const server = await startServerProcess([], { home, port, binary });
    started.push(server);
    const site = join(tempDir(), "site");
    mkdirSync(join(site, "api"), { recursive: true });
    writeFileSync(join(site, "index.html"), "<h1>home</h1>");
    writeFileSync(
      join(site, "api", "main.js"),
      "var n = (fazt.storage.kv.get('n') || 0) + 1; fazt.storage.kv.set('n', n); respond({ n: n, path: request.path })",
    );
    const deploy = await fazt(["app", "deploy", site, "--name", "site"], { home, binary });
    expect(deploy.code).toBe(0);
    const hit = () => fetch(`http://127.0.0.1:${port}/api/hit`, { headers: { host: "site.localhost" } });
    expect(await (await hit()).json()).toEqual({ n: 1, path: "/api/hit" });
    expect(await (await hit()).json()).toEqual({ n: 2, path: "/api/hit" });
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});
