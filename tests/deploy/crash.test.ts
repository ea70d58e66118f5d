import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

/**
 * SPEC §4/§12: a kill at any moment of a deploy leaves the database
 * consistent and the last activated version serving. The server runs as a
 * real process and is killed with SIGKILL (no chance to clean up).
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

async function start(): Promise<void> {
  server = await startServerProcess([], { home, port });
}

async function servedVersions(): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const i of [0, 1, 333, 777, FILES - 1]) {
    const res = await fetch(`http://127.0.0.1:${port}/p/${i}`, { headers: { host: "site.localhost" } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const m = /^<p>(v\d+) file (\d+)<\/p>/.exec(text);
    expect(m?.[2]).toBe(String(i));
    seen.add(m![1]!);
  }
  return seen;
}

function checkDatabase(): { current: string | null; files: number } {
  const d = new Database(db, { readonly: true });
  try {
    expect(d.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe(
      "ok",
    );
    expect(d.query("PRAGMA foreign_key_check").all()).toEqual([]);
    const row = d
      .query<{ current: string | null; files: number }, []>(
        `SELECT a.current_version_id AS current,
          (SELECT count(*) FROM version_files f WHERE f.version_id = a.current_version_id) AS files
         FROM apps a WHERE a.name = 'site'`,
      )
      .get()!;
    return row;
  } finally {
    d.close();
  }
}

describe("SIGKILL in the middle of a deploy", () => {
  test("set up: v1 deployed and serving", async () => {
    port = await freePort();
    const init = await fazt(["server", "init", "--password", "correct-horse-battery"], { home });
    expect(init.code).toBe(0);
    const key = await fazt(["server", "create-key", "--name", "crash", "--format", "json"], { home });
    token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
    await start();
    const id = await prepare(site("v1"));
    expect((await api(`/api/deploys/${id}/finish`, { method: "POST" })).status).toBe(201);
    expect(await servedVersions()).toEqual(new Set(["v1"]));
  });

  test("killed while uploading contents: v1 serves after restart, database intact", async () => {
    const killed = prepare(site("v2"), (n) => {
      if (n === 300) server!.proc.kill("SIGKILL");
    }).catch((e: unknown) => e);
    expect(await killed).toBeInstanceOf(Error);
    await server!.proc.exited;
    expect(checkDatabase().files).toBe(FILES + 1);
    await start();
    expect(await servedVersions()).toEqual(new Set(["v1"]));
  });

  test("killed racing the activation: the whole old or the whole new site, never a mix", async () => {
    const outcomes: string[] = [];
    for (const [round, delay] of [0, 12, 18, 22, 26, 40].entries()) {
      const version = `v${round + 3}`;
      const id = await prepare(site(version));
      const finish = api(`/api/deploys/${id}/finish`, { method: "POST" }).then(
        (r) => r.status,
        () => "no answer",
      );
      await Bun.sleep(delay);
      server!.proc.kill("SIGKILL");
      const answer = await finish;
      await server!.proc.exited;
      const { files } = checkDatabase();
      expect(files).toBe(FILES + 1);
      await start();
      const served = await servedVersions();
      expect(served.size).toBe(1);
      // A deploy that was answered 201 must be the one serving.
      if (answer === 201) expect(served).toEqual(new Set([version]));
      outcomes.push(`${delay}ms: ${answer} → ${[...served][0]}`);
    }
    // Finishing 1,000 files takes ~15-30 ms here: the delays straddle the commit. A kill at
    // 0 ms always lands before it, so the old version must have survived at least once.
    expect(outcomes.some((o) => o.endsWith("→ v1"))).toBe(true);
  });
});
