/**
 * `GET /api/backups/NAME` (the Backups screen's download): a snapshot the
 * listing shows, by its file name, as `application/vnd.sqlite3`; never any
 * other file, whatever NAME says.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { backupDir } from "../../src/ops/backups.ts";
import { account } from "../helpers/accounts.ts";
import { apiJson, dataOf } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

setDefaultTimeout(30_000);

let s: TestServer;
let made: { file: string; name: string; bytes: number };

beforeAll(async () => {
  s = await startTestServer();
  made = await dataOf(await apiJson(s, "POST", "/api/backups", {}), 201);
});
afterAll(async () => {
  await s.stop();
  cleanupTemp();
});

describe("download", () => {
  test("the listing names each snapshot; that name downloads its bytes", async () => {
    const listed = await dataOf<Array<{ name: string; file: string }>>(
      await apiJson(s, "GET", "/api/backups"),
      200,
    );
    expect(listed.find((b) => b.file === made.file)?.name).toBe(made.name);
    expect(made.name).toMatch(/^fazt-\d{8}-\d{6}\.db$/);

    const res = await apiJson(s, "GET", `/api/backups/${made.name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.sqlite3");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${made.name}"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(made.bytes);
    expect(new TextDecoder().decode(bytes.subarray(0, 15))).toBe("SQLite format 3");
    expect(bytes).toEqual(new Uint8Array(readFileSync(made.file)));
  });

  test("nothing but a listed snapshot: the database itself, other files, traversal, links", async () => {
    const dir = backupDir(s.store.path);
    writeFileSync(join(dir, "notes.txt"), "not a backup");
    // A link dressed as a snapshot, pointing outside the folder.
    const secret = join(tempDir(), "secret.db");
    writeFileSync(secret, "SQLite format 3\0 secret");
    symlinkSync(secret, join(dir, "fazt-20200101-000000.db"));
    for (const name of [
      "notes.txt",
      "data.db",
      "..%2Fdata.db",
      "%2E%2E%2Fdata.db",
      "fazt-20200101-000000.db",
      "fazt-20990101-000000.db",
      encodeURIComponent(made.file),
    ]) {
      const res = await apiJson(s, "GET", `/api/backups/${name}`);
      expect([404]).toContain(res.status);
      expect(await res.text()).not.toContain("secret");
    }
  });

  test("admins only", async () => {
    expect((await apiJson(s, "GET", `/api/backups/${made.name}`, undefined, null)).status).toBe(401);
    const user = account(s, "user");
    const res = await s.request(`/api/backups/${made.name}`, { headers: { cookie: user.cookie } });
    expect(res.status).toBe(403);
    const admin = account(s, "admin");
    const ok = await s.request(`/api/backups/${made.name}`, { headers: { cookie: admin.cookie } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
  });
});
