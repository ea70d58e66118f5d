/**
 * Two compiled Fazt processes on one PostgreSQL database ("More than one
 * machine" in the README): what one node does, the other serves within a
 * second (deploys, rollbacks, sessions and their end, app data), and a node
 * SIGKILLed in the middle of a deploy leaves the other serving the last
 * activated version with the database consistent. The URL carries a password
 * (trust authentication ignores it) that no output may show.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ensureBinary, fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { bearer, type DeployResult, dataOf, deployFiles, manifestOf } from "../helpers/deploy.ts";
import { freshDatabase, onServer, postgresAvailable } from "../helpers/postgres.ts";
import type { TestServer } from "../helpers/server.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(240_000);

const PASSWORD = "correct-horse-battery";
const DB_SECRET = "n0t-to-be-pr1nted";
/** What the spec promises between nodes. */
const WITHIN_MS = 1000;

interface Node {
  proc: ServerProcess;
  /** Enough of a TestServer for the deploy helpers. */
  api: TestServer;
  request(path: string, init?: RequestInit & { host?: string }): Promise<Response>;
}

function nodeOn(proc: ServerProcess, adminToken: string): Node {
  const url = `http://127.0.0.1:${proc.port}`;
  const request = (path: string, init: RequestInit & { host?: string } = {}) => {
    const { host, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set("host", host ?? "localhost");
    return fetch(`${url}${path}`, { ...rest, headers, redirect: "manual" });
  };
  return { proc, request, api: { url, port: proc.port, adminToken, request } as unknown as TestServer };
}

/** Polls `read` until it returns `want`; fails after `ms`. Returns how long it took. */
async function within(ms: number, read: () => Promise<string>, want: string): Promise<number> {
  const started = performance.now();
  let last = "";
  while (performance.now() - started <= ms) {
    last = await read();
    if (last === want) return performance.now() - started;
    await Bun.sleep(20);
  }
  throw new Error(`expected ${JSON.stringify(want)} within ${ms} ms, still ${JSON.stringify(last)}`);
}

const page = (n: Node, app: string, path = "/") =>
  n.request(path, { host: `${app}.localhost` }).then((r) => r.text());

const DATA_APP = {
  "index.html": "data",
  "api/main.js": `export default async (req) => {
    const url = new URL(req.url);
    const what = url.searchParams.get("what");
    const key = url.searchParams.get("key") ?? "k";
    if (req.method === "POST") {
      const value = await req.text();
      if (what === "kv") fazt.app.kv.set(key, value);
      if (what === "ds") fazt.app.ds.insert("notes", { id: key, value });
      if (what === "s3") fazt.app.s3.put(key + ".txt", value);
      return { ok: true };
    }
    if (what === "kv") return { value: fazt.app.kv.get(key) ?? null };
    if (what === "ds") return { value: fazt.app.ds.findOne("notes", key)?.value ?? null };
    const file = fazt.app.s3.get(key + ".txt");
    return { value: file ? new TextDecoder().decode(file.data) : null };
  };`,
};

describe.if(postgresAvailable())("two nodes on one PostgreSQL database", () => {
  const home = tempDir();
  let url: string;
  let binary: string;
  let one: Node;
  let two: Node;
  let token: string;

  const startNode = async () => {
    const proc = await startServerProcess(["--database", url, "--domain", "localhost"], {
      home,
      binary,
      port: freePort(),
    });
    return proc;
  };

  beforeAll(async () => {
    binary = ensureBinary("linux-x64");
    const plain = new URL(await freshDatabase());
    plain.password = DB_SECRET;
    url = plain.toString();
  });

  afterAll(async () => {
    await one?.proc.stop();
    await two?.proc.stop();
    cleanupTemp();
  });

  test("server init on PostgreSQL, the URL's password never shown", async () => {
    const init = await fazt(["server", "init", "--database", url, "--password", PASSWORD], { home, binary });
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("postgres://postgres@127.0.0.1");
    expect(init.stdout + init.stderr).not.toContain(DB_SECRET);
    // FAZT_DATABASE_URL instead of --database: the same database.
    const key = await fazt(["server", "create-key", "--name", "e2e", "--format", "json"], {
      home,
      binary,
      env: { FAZT_DATABASE_URL: url },
    });
    expect(key.code).toBe(0);
    token = (JSON.parse(key.stdout) as { data: { token: string } }).data.token;
  });

  test("two nodes start on it; neither prints the password", async () => {
    one = nodeOn(await startNode(), token);
    two = nodeOn(await startNode(), token);
    for (const n of [one, two]) {
      expect(n.proc.output()).toContain("database: postgres://postgres@127.0.0.1");
      expect(n.proc.output()).not.toContain(DB_SECRET);
    }
    const status = await fazt(["server", "status", "--format", "json"], {
      home,
      binary,
      env: { FAZT_DATABASE_URL: url },
    });
    expect(status.stdout + status.stderr).not.toContain(DB_SECRET);
  });

  test("a deploy through node 1 is served by node 2 within 1 s; a rollback likewise", async () => {
    await deployFiles(one.api, "site", { "index.html": "v1" });
    await within(WITHIN_MS, () => page(two, "site"), "v1"); // node 2 caches the site now
    await deployFiles(one.api, "site", { "index.html": "v2" });
    await within(WITHIN_MS, () => page(two, "site"), "v2");
    await dataOf(
      await one.request("/api/apps/site/rollback", { method: "POST", headers: bearer(token) }),
      200,
    );
    await within(WITHIN_MS, () => page(two, "site"), "v1");
  });

  test("a session made on node 1 is valid on node 2; signing out on node 2 ends it on node 1", async () => {
    const admin = "admin.localhost";
    const login = await one.request("/api/login", {
      method: "POST",
      host: admin,
      headers: { "content-type": "application/json", origin: `http://${admin}` },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect(cookie).toMatch(/^fazt_session=/);
    const me = (n: Node) => n.request("/api/me", { host: admin, headers: { cookie } }).then((r) => r.status);
    expect(await me(two)).toBe(200);
    const out = await two.request("/api/logout", {
      method: "POST",
      host: admin,
      headers: { cookie, origin: `http://${admin}` },
    });
    expect(out.status).toBe(200);
    await within(WITHIN_MS, async () => String(await me(one)), "401");
  });

  test("kv, ds and s3 written through one node are read through the other", async () => {
    await deployFiles(one.api, "data", DATA_APP);
    await within(WITHIN_MS, () => page(two, "data"), "data");
    for (const what of ["kv", "ds", "s3"]) {
      const wrote = await one.request(`/api?what=${what}&key=n1`, {
        method: "POST",
        host: "data.localhost",
        body: `from node 1 (${what})`,
      });
      expect(wrote.status).toBe(200);
      const read = await two.request(`/api?what=${what}&key=n1`, { host: "data.localhost" });
      expect(await read.json()).toEqual({ value: `from node 1 (${what})` });
    }
  });

  test("node 1 SIGKILLed in the middle of a deploy: node 2 serves the last activated version, the database is consistent", async () => {
    const before = await dataOf<{ version: { id: string } | null }>(
      await two.request("/api/apps/site", { headers: bearer(token) }),
      200,
    );
    const files = { "index.html": "v3", "big.bin": new Uint8Array(8 * 1024 * 1024).fill(7) };
    const started = await dataOf<{ id: string; missing: string[] }>(
      await one.request("/api/deploys", {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json" },
        body: JSON.stringify({ name: "site", files: manifestOf(files) }),
      }),
      201,
    );
    const big = manifestOf(files).find((f) => f.path === "big.bin")!;
    // The big blob is streaming in when node 1 dies.
    const upload = one
      .request(`/api/deploys/${started.id}/blobs/${big.sha256}`, {
        method: "PUT",
        headers: { ...bearer(token), "content-type": "application/octet-stream" },
        body: new ReadableStream({
          async pull(c) {
            await Bun.sleep(5);
            c.enqueue(new Uint8Array(64 * 1024).fill(7));
          },
        }),
        // @ts-expect-error Bun streams a request body with duplex: "half"
        duplex: "half",
      })
      .catch(() => null);
    await Bun.sleep(150);
    expect(await one.proc.stop("SIGKILL")).not.toBe(0);
    await upload;
    expect(await page(two, "site")).toBe("v1");
    const after = await dataOf<{ version: { id: string } | null }>(
      await two.request("/api/apps/site", { headers: bearer(token) }),
      200,
    );
    expect(after.version?.id).toBe(before.version?.id as string);
    // Consistent: every app's current version exists, every version's files have their blob.
    const dangling = await onServer<{ n: number }>(
      url,
      `SELECT (SELECT count(*) FROM apps a WHERE a.current_version_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.id = a.current_version_id))
            + (SELECT count(*) FROM version_files f WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256)) AS n`,
    );
    expect(Number(dangling[0]?.n)).toBe(0);
    // A node started again serves the same version, and a deploy finishes.
    one = nodeOn(await startNode(), token);
    expect(await page(one, "site")).toBe("v1");
    const v4: DeployResult = await deployFiles(one.api, "site", { "index.html": "v4" });
    expect(v4.app).toBe("site");
    await within(WITHIN_MS, () => page(two, "site"), "v4");
  });
});
