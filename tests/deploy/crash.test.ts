import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

/**
 * A kill at any moment of a deploy leaves the database consistent and the
 * last activated version serving, every one of its 1,001 files. The server
 * runs as a real process and is killed with SIGKILL (no chance to clean up)
 * at points it shows us, not after guessed delays: before it reads the
 * finish request, inside the activation's write transaction (its SQLite
 * write lock, seen in /proc/locks), and after it logged the commit.
 */

// Each round restarts a server and uploads 1,000 files: more than the default 5 s.
setDefaultTimeout(60_000);

const FILES = 1000;
const home = tempDir();
const db = join(home, ".fazt", "data.db");
let port = 0;
let token = "";
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop("SIGKILL");
  cleanupTemp();
});

const body = (version: string, i: number) => `<p>${version} file ${i}</p>\n`;

function site(version: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (let i = 0; i < FILES; i++) files.set(`p/${i}.html`, new TextEncoder().encode(body(version, i)));
  files.set("index.html", new TextEncoder().encode(`<h1>${version}</h1>`));
  return files;
}

const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  headers.set("host", "localhost");
  return fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
}

/** Manifest and uploads; returns the deploy id, ready to finish. */
async function prepare(files: Map<string, Uint8Array>, onUpload?: (n: number) => void): Promise<string> {
  const manifest = {
    name: "site",
    files: [...files].map(([path, b]) => ({ path, sha256: sha(b), size: b.byteLength })),
  };
  const res = await api("/api/deploys", {
    method: "POST",
    body: JSON.stringify(manifest),
    headers: { "content-type": "application/json" },
  });
  expect(res.status).toBe(201);
  const { id, missing } = ((await res.json()) as { data: { id: string; missing: string[] } }).data;
  const byHash = new Map([...files.values()].map((b) => [sha(b), b]));
  let n = 0;
  for (const h of missing) {
    const put = await api(`/api/deploys/${id}/blobs/${h}`, {
      method: "PUT",
      body: byHash.get(h)! as Uint8Array<ArrayBuffer>,
    });
    expect(put.status).toBe(200);
    onUpload?.(++n);
  }
  return id;
}

/**
 * Starts the server, on a fresh port if another process (other test files run
 * beside this one) took ours: /health alone might be answered by that one.
 */
async function start(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      server = await startServerProcess([], { home, port });
      while (!server.output().includes(`"started"`) && server.proc.exitCode === null) await Bun.sleep(10);
      if (server.proc.exitCode === null) return;
      throw new Error(`server exited with ${server.proc.exitCode}: ${server.output()}`);
    } catch (e) {
      if (attempt >= 3) throw e;
      port = freePort();
    }
  }
}

/**
 * Fetches every one of the 1,001 files and returns the one version they all
 * come from; fails on a missing file, a wrong one, or a mix of versions.
 */
async function servedVersion(): Promise<string> {
  const paths = ["/", ...Array.from({ length: FILES }, (_, i) => `/p/${i}`)];
  const seen = new Map<string, number>();
  const wrong: string[] = [];
  let next = 0;
  const client = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { host: "site.localhost" } });
      const text = await res.text();
      const m = path === "/" ? /^<h1>(v\d+)<\/h1>$/.exec(text) : /^<p>(v\d+) file (\d+)<\/p>\n$/.exec(text);
      if (res.status !== 200 || !m || (path !== "/" && m[2] !== path.slice(3))) {
        wrong.push(`${path}: ${res.status} ${text.slice(0, 40)}`);
        continue;
      }
      seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, client));
  expect(wrong).toEqual([]);
  expect([...seen.entries()]).toHaveLength(1);
  const [[version, count]] = [...seen.entries()] as [[string, number]];
  expect(count).toBe(FILES + 1);
  return version;
}

/**
 * The database after a kill: intact, no dangling reference, and every version
 * it lists is whole (a later rollback to it would serve every file).
 */
function checkDatabase(): void {
  const d = new Database(db, { readonly: true });
  try {
    expect(d.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe(
      "ok",
    );
    expect(d.query("PRAGMA foreign_key_check").all()).toEqual([]);
    const partial = d
      .query(
        `SELECT v.id, v.seq, v.file_count,
          (SELECT count(*) FROM version_files f WHERE f.version_id = v.id) AS files
         FROM versions v JOIN apps a ON a.id = v.app_id
         WHERE a.name = 'site' AND (files != v.file_count OR files != ${FILES + 1})`,
      )
      .all();
    expect(partial).toEqual([]);
  } finally {
    d.close();
  }
}

/** Reads a process's stdout until it has printed `lines` lines. */
async function readLines(reader: ReadableStreamDefaultReader<Uint8Array>, lines: number): Promise<string[]> {
  const decoder = new TextDecoder();
  let text = "";
  while (text.split("\n").length <= lines) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text.split("\n").slice(0, lines);
}

/**
 * When the kill lands: `before` at once (the finish request is not even
 * read); `{ inside }` while the server holds SQLite's write lock, after
 * seeing it `inside` more times (the only writer then is the activation: the
 * key's last use was recorded by the uploads just before) — or right after
 * the commit if the lock goes first; `after` once the server logged
 * "deployed" (committed, answered or not).
 */
type When = "before" | { inside: number } | "after";

/**
 * Prepares `version`, sends finish, SIGKILLs the server at `when`, restarts
 * it, and checks the database and all 1,001 files. `landed` says where the
 * kill actually landed.
 */
async function killedDeploy(version: string, when: When) {
  const id = await prepare(site(version));
  const pid = server!.proc.pid;
  const deployedLogs = () => server!.output().split(`"deployed"`).length - 1;
  const loggedBefore = deployedLogs();
  let watcher: Bun.Subprocess<"ignore", "pipe", "inherit"> | undefined;
  let watched: ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (typeof when === "object") {
    const args = [String(pid), String(statSync(`${db}-shm`).ino), String(when.inside), "30000"];
    watcher = Bun.spawn([process.execPath, join(import.meta.dir, "kill-when-writing.ts"), ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    });
    watched = watcher.stdout.getReader();
    expect(await readLines(watched, 1)).toEqual(["watching"]);
  }
  const finish = api(`/api/deploys/${id}/finish`, { method: "POST" }).then(
    (r) => r.status,
    () => "no answer" as const,
  );
  let landed = typeof when === "string" ? when : "";
  if (watched) {
    // On a busy machine the watcher may miss a short transaction: then the answer comes first.
    const report = readLines(watched, 1).then((l) => l[0]!);
    landed = await Promise.race([report, finish.then(() => "missed")]);
    if (landed === "missed") {
      watcher!.kill("SIGKILL");
      server!.proc.kill("SIGKILL");
    }
    await watcher!.exited;
    expect(["inside", "after-commit", "missed"]).toContain(landed);
  } else {
    if (when === "after") {
      while (deployedLogs() === loggedBefore && server!.proc.exitCode === null) await Bun.sleep(0);
    }
    server!.proc.kill("SIGKILL");
  }
  const answer = await finish;
  await server!.proc.exited;
  checkDatabase();
  await start();
  const served = await servedVersion();
  // Acknowledged means activated; and a kill after the commit cannot undo it.
  if (answer === 201 || landed === "after" || landed === "after-commit") expect(served).toBe(version);
  return { id, answer, served, landed };
}

describe("SIGKILL in the middle of a deploy", () => {
  test("set up: v1 deployed and serving", async () => {
    port = freePort();
    const init = await fazt(["server", "init", "--password", "correct-horse-battery"], { home });
    expect(init.code).toBe(0);
    const key = await fazt(["server", "create-key", "--name", "crash", "--format", "json"], { home });
    token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
    await start();
    const id = await prepare(site("v1"));
    expect((await api(`/api/deploys/${id}/finish`, { method: "POST" })).status).toBe(201);
    expect(await servedVersion()).toBe("v1");
  });

  test("killed while uploading contents: v1 serves after restart, database intact", async () => {
    const killed = prepare(site("v2"), (n) => {
      if (n === 300) server!.proc.kill("SIGKILL");
    }).catch((e: unknown) => e);
    expect(await killed).toBeInstanceOf(Error);
    await server!.proc.exited;
    checkDatabase();
    await start();
    expect(await servedVersion()).toBe("v1");
  });

  let serving = "v1";
  let round = 2;

  /** A kill that left the old site: the deploy session is intact, and finishing it again activates it whole. */
  async function finishAgain(k: { id: string; served: string }, version: string) {
    expect(k.served).toBe(serving);
    const again = await api(`/api/deploys/${k.id}/finish`, { method: "POST" });
    expect(`${again.status} ${await again.text()}`).toStartWith("201");
    expect(await servedVersion()).toBe(version);
    serving = version;
  }

  test("killed before the activation: the whole old site; the deploy can still be finished", async () => {
    const version = `v${++round}`;
    const k = await killedDeploy(version, "before");
    expect(k.answer).toBe("no answer");
    await finishAgain(k, version);
  }, 120_000);

  test("killed inside the activation's transaction: the whole old or the whole new site, never a mix", async () => {
    // Kills spread through the transaction, from just after it takes the write lock on;
    // then more at its start until one has landed inside it (a busy machine can miss some).
    const landed: string[] = [];
    const spread = [0, 10, 50, 200, 1000];
    for (let attempt = 0; attempt < 10; attempt++) {
      const insideOld = landed.some((l) => l.endsWith("inside → old"));
      if (attempt >= spread.length && insideOld) break;
      const inside = spread[attempt] ?? 0;
      const version = `v${++round}`;
      const k = await killedDeploy(version, { inside });
      landed.push(`${inside}: ${k.landed} → ${k.served === version ? "new" : "old"}`);
      if (k.served === version) serving = version;
      else await finishAgain(k, version);
    }
    // At least one kill landed inside the transaction, before its commit.
    expect(landed).toContainEqual(expect.stringMatching(/inside → old$/));
  }, 300_000);

  test("killed right after the commit, answered or not: the whole new site", async () => {
    const version = `v${++round}`;
    const k = await killedDeploy(version, "after");
    expect(k.served).toBe(version);
    serving = version;
  }, 120_000);
});
