/**
 * The README's quick start, run verbatim: every command line of its `sh`
 * blocks is copied out of README.md at test time and run through `sh -c`
 * with `fazt` on PATH as the compiled binary, in a fresh HOME, so the README
 * cannot drift from what Fazt does. What a comment promises (`prints: url
 * http://…`, `"running on port 5102"`) is checked against the output.
 * The `curl … | sh` line needs the internet; install.sh itself is tested
 * against a local release server in tests/ops/install*.test.ts.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, ROOT } from "../helpers/cli.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(240_000);

interface Line {
  command: string;
  comment: string;
}

/** The command lines of the `sh` blocks in the README's "Quick start (users)" section. */
function quickStartLines(): Line[][] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Quick start (users)");
  const end = readme.indexOf("\n#", start + 10);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/^ *```sh\n([\s\S]*?)^ *```/gm)].map((m) => m[1] ?? "");
  return blocks.map((block) =>
    block
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .map((l) => {
        // A comment starts at a `#` after two spaces (none of the commands has one).
        const i = l.search(/\s{2,}# /);
        return i < 0 ? { command: l, comment: "" } : { command: l.slice(0, i).trim(), comment: l.slice(i) };
      }),
  );
}

let home: string;
let env: Record<string, string>;
const servers: Bun.Subprocess[] = [];

beforeAll(() => {
  const binary = ensureBinary("linux-x64");
  home = tempDir("fazt-readme-");
  const bin = join(home, "bin");
  mkdirSync(bin);
  symlinkSync(binary, join(bin, "fazt"));
  env = { HOME: home, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: "1" };
});

afterAll(async () => {
  for (const p of servers) {
    p.kill("SIGTERM");
    await p.exited;
  }
  cleanupTemp();
});

/** Starts a long-running line (`fazt server start …`) and waits until it says it serves. */
async function startServer(command: string): Promise<{ out: () => string; proc: Bun.Subprocess }> {
  const proc = Bun.spawn(["sh", "-c", `exec ${command}`], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
  servers.push(proc);
  let out = "";
  const decoder = new TextDecoder();
  void (async () => {
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      out += decoder.decode(value, { stream: true });
    }
  })();
  for (let i = 0; i < 400 && !/serving on http/.test(out); i++) {
    if (proc.exitCode !== null) throw new Error(`${command} exited ${proc.exitCode}:\n${out}`);
    await Bun.sleep(50);
  }
  expect(out).toMatch(/serving on http/);
  return { out: () => out, proc };
}

async function run(command: string): Promise<string> {
  const p = Bun.spawn(["sh", "-c", command], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  expect({ command, code, err }).toEqual({ command, code: 0, err: expect.any(String) });
  return out;
}

/** Checks what a line's comment promises it prints: a URL, or a quoted phrase. */
function checkPromise(line: Line, out: string): void {
  const url = /(https?:\/\/\S+)/.exec(line.comment)?.[1];
  if (url && /prints/.test(line.comment)) expect(out).toContain(url);
  const quoted = /"([^"]+)"/.exec(line.comment)?.[1];
  if (quoted) expect(out).toContain(quoted);
}

/** Fetches a URL the README names through loopback, keeping its Host. */
function visit(url: string, init: RequestInit = {}): Promise<Response> {
  const u = new URL(url);
  return fetch(`http://127.0.0.1:${u.port}${u.pathname}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), host: u.host },
    redirect: "manual",
  });
}

test("the quick start's commands, run verbatim, do what the README says", async () => {
  const blocks = quickStartLines();
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  let password = "";
  let server: Bun.Subprocess | undefined;
  let deploys = 0;
  for (const line of blocks.flat()) {
    if (line.command.startsWith("curl ")) {
      expect(line.command).toContain("install.sh | sh");
      continue;
    }
    if (/^fazt server start\b/.test(line.command)) {
      if (server) {
        server.kill("SIGTERM");
        await server.exited;
      }
      const started = await startServer(line.command);
      server = started.proc;
      password ||= /password:\s+(\S+)/.exec(started.out())?.[1] ?? "";
      // Step 3: the admin host asks for a sign-in first.
      const admin = /admin:\s+(http:\/\/\S+)/.exec(started.out())?.[1] ?? "";
      const res = await visit(`${admin}/`);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/auth/login?redirect=/");
      continue;
    }
    const out = await run(line.command);
    checkPromise(line, out);
    if (/^fazt (app )?deploy /.test(line.command)) {
      // Step 2: the printed URL serves the site.
      const url = /url\s+(http:\/\/\S+)/.exec(out)?.[1] ?? "";
      expect(await (await visit(`${url}/`)).text()).toContain("<h1>Hello</h1>");
      deploys++;
    }
  }
  server?.kill("SIGTERM");
  await server?.exited;
  expect(deploys).toBeGreaterThanOrEqual(2);
  // Step 1 printed the password once.
  expect(password.length).toBeGreaterThanOrEqual(12);
});

test("step 4: a lost password is replaced with `fazt server set-credentials --password-stdin`", async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  expect(readme).toContain("fazt server set-credentials\n   --password-stdin");
  const p = Bun.spawn(["sh", "-c", "fazt server set-credentials --password-stdin"], {
    cwd: home,
    env,
    stdin: new TextEncoder().encode("a-new-long-password\n"),
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(await p.exited).toBe(0);
  const { proc } = await startServer("fazt server start --port 5102");
  const res = await visit("http://admin.localhost:5102/api/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "a-new-long-password" }),
  });
  expect(res.status).toBe(200);
  proc.kill("SIGTERM");
  await proc.exited;
});
