/**
 * `fazt db copy` round trip, SQLite → PostgreSQL → SQLite, of a server's
 * database with apps, versions, blobs, users, sessions and app storage: the
 * final file holds the same rows (count and hash per table) and a real
 * `fazt server start` on it serves the same app, data and sign-in.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { tableDigest } from "../../src/db/copy.ts";
import { schemaTables } from "../../src/db/engine/pg-schema.ts";
import { copyDatabase, openEngine } from "../../src/db/index.ts";
import { account } from "../helpers/accounts.ts";
import { ensureBinary, fazt, startServerProcess } from "../helpers/cli.ts";
import { deployFiles } from "../helpers/deploy.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { startTestServer } from "../helpers/server.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const PNG = new Uint8Array(3000).map((_, i) => (i * 7 + 3) & 0xff);
const API = `export default async (req) => {
  if (req.method === "POST") {
    fazt.app.kv.set("greeting", "hello from kv");
    fazt.app.ds.insert("notes", { text: "a note", n: 42 });
    fazt.app.s3.put("files/a.bin", new Uint8Array([0, 1, 2, 250, 255]), "application/octet-stream");
    return { written: true };
  }
  const file = fazt.app.s3.get("files/a.bin");
  return {
    kv: fazt.app.kv.get("greeting"),
    notes: fazt.app.ds.find("notes", {}).map((d) => ({ text: d.text, n: d.n })),
    file: file ? Array.from(file.data) : null,
  };
};`;

/** Everything a user sees of the instance: the page, the image, the app's data, the sign-in. */
async function observe(base: string, cookie: string) {
  const get = (path: string, host: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { host, ...headers }, redirect: "manual" });
  const page = await get("/", "shop.localhost");
  const image = await get("/logo.png", "shop.localhost");
  const data = await get("/api/data", "shop.localhost");
  const me = await get("/api/me", "localhost", { cookie });
  return {
    page: [page.status, await page.text()],
    image: [image.status, Bun.hash(new Uint8Array(await image.arrayBuffer()))],
    data: [data.status, await data.json()],
    me: [me.status, ((await me.json()) as { data?: { user?: { email?: string } } }).data?.user?.email],
  };
}

describe.skipIf(!postgresAvailable())("fazt db copy", () => {
  test("SQLite → PostgreSQL → SQLite: the same rows, and `fazt server start` on the result serves the same instance", async () => {
    const s = await startTestServer();
    const source = s.store.path;
    await deployFiles(s, "shop", { "index.html": "<h1>shop v1</h1>", "logo.png": PNG });
    await deployFiles(s, "shop", { "index.html": "<h1>shop v2</h1>", "logo.png": PNG, "api/main.js": API });
    const person = account(s, "user", "buyer@example.test");
    const wrote = await s.request("/api/data", { host: "shop.localhost", method: "POST" });
    expect(wrote.status).toBe(200);
    const before = await observe(s.url, person.cookie);
    expect(before.page).toEqual([200, "<h1>shop v2</h1>"]);
    expect(before.data).toEqual([
      200,
      { kv: "hello from kv", notes: [{ text: "a note", n: 42 }], file: [0, 1, 2, 250, 255] },
    ]);
    expect(before.me).toEqual([200, "buyer@example.test"]);
    await s.stop();

    const home = tempDir();
    const url = await freshDatabase();
    const final = join(home, "final.db");
    const there = await fazt(["db", "copy", "--from", source, "--to", url], { home });
    expect(there.stderr).toBe("");
    expect(there.code).toBe(0);
    expect(there.stdout).toMatch(/^blobs\s+([1-9]\d*)\s+\1\s+ok$/m);
    expect(there.stdout).toMatch(/^app_blobs\s+1\s+1\s+ok$/m);
    expect(there.stdout).not.toContain("MISMATCH");
    const back = await fazt(["db", "copy", "--from", url, "--to", final, "--format", "json"], { home });
    expect(back.code).toBe(0);
    const report = JSON.parse(back.stdout).data as {
      ok: boolean;
      tables: Array<{ table: string; ok: boolean }>;
    };
    expect(report.ok).toBe(true);

    // Row for row, independently of the command's own check.
    const a = await openEngine(source, { create: false });
    const b = await openEngine(final, { create: false });
    try {
      for (const t of schemaTables().filter((x) => x.name !== "running_servers")) {
        expect({ table: t.name, ...tableDigest(b, t) }).toEqual({ table: t.name, ...tableDigest(a, t) });
      }
      expect(tableDigest(b, schemaTables().find((t) => t.name === "sessions")!).count).toBeGreaterThan(0);
    } finally {
      a.close();
      b.close();
    }

    const port = freePort();
    const server = await startServerProcess(["--db", final], { home, port });
    try {
      expect(await observe(`http://127.0.0.1:${port}`, person.cookie)).toEqual(before);
    } finally {
      await server.stop();
    }
  });

  test("the compiled binary copies to PostgreSQL and back (its I/O worker is built into it)", async () => {
    const binary = ensureBinary("linux-x64");
    const home = tempDir();
    const from = join(home, "a.db");
    const e = await openEngine(from);
    e.run("INSERT INTO config (key, value, updated_at) VALUES ('mark', '\"binary\"', 1764000000123)");
    e.close();
    const url = await freshDatabase();
    const there = await fazt(["db", "copy", "--from", from, "--to", url], { home, binary });
    expect(there.stderr).toBe("");
    expect(there.stdout).toMatch(/^config\s+1\s+1\s+ok$/m);
    const back = await fazt(["db", "copy", "--from", url, "--to", join(home, "b.db")], { home, binary });
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/^config\s+1\s+1\s+ok$/m);
  });

  test("a target that is not empty is refused and left as it was; --force replaces it", async () => {
    const home = tempDir();
    const from = join(home, "a.db");
    const to = join(home, "b.db");
    for (const [path, value] of [
      [from, "from a"],
      [to, "in b"],
    ] as const) {
      const e = await openEngine(path);
      e.run("INSERT INTO config (key, value, updated_at) VALUES ('mark', ?, 0)", [JSON.stringify(value)]);
      e.close();
    }
    const refused = await fazt(["db", "copy", "--from", from, "--to", to], { home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not empty (config: 1 rows)");
    expect(refused.stderr).toContain("--force");
    const check = async () => {
      const e = await openEngine(to);
      const v = e.get<{ value: string }>("SELECT value FROM config WHERE key = 'mark'")?.value;
      e.close();
      return v;
    };
    expect(await check()).toBe('"in b"');
    const forced = await fazt(["db", "copy", "--from", from, "--to", to, "--force"], { home });
    expect(forced.code).toBe(0);
    expect(await check()).toBe('"from a"');
  });

  test("a source that does not exist is an error, and creates nothing", async () => {
    const home = tempDir();
    const r = await fazt(["db", "copy", "--from", join(home, "none.db"), "--to", join(home, "t.db")], {
      home,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no database at");
    expect(await Bun.file(join(home, "t.db")).exists()).toBe(false);
  });

  test("a copy that fails halfway leaves the target empty (one transaction)", async () => {
    const source = await openEngine(join(tempDir(), "s.db"));
    const target = await openEngine(await freshDatabase());
    try {
      source.run("INSERT INTO config (key, value, updated_at) VALUES ('a', '1', 0)");
      // a row PostgreSQL refuses (text with a NUL byte), in a table copied after config
      source.run("INSERT INTO peers (name, url, token, is_default, created_at) VALUES ('p', ?, 't', 0, 0)", [
        "http://x\u0000",
      ]);
      expect(() => copyDatabase(source, target)).toThrow();
      expect(target.get("SELECT count(*) AS n FROM config")).toEqual({ n: 0 });
    } finally {
      source.close();
      target.close();
    }
  });

  test("the digest of a table changes with any value, and not with row order", async () => {
    const e = await openEngine(join(tempDir(), "d.db"));
    const config = schemaTables().find((t) => t.name === "config")!;
    try {
      e.run("INSERT INTO config (key, value, updated_at) VALUES ('b', '2', 0), ('a', '1', 0)");
      const first = tableDigest(e, config);
      e.run("DELETE FROM config");
      e.run("INSERT INTO config (key, value, updated_at) VALUES ('a', '1', 0), ('b', '2', 0)");
      expect(tableDigest(e, config)).toEqual(first);
      e.run("UPDATE config SET updated_at = 1 WHERE key = 'a'");
      expect(tableDigest(e, config).hash).not.toBe(first.hash);
    } finally {
      e.close();
    }
  });
});
