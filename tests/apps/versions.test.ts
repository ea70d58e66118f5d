import { afterAll, beforeEach, expect, test } from "bun:test";
import { join } from "node:path";
import { insertBlob } from "../../src/apps/blobs.ts";
import { createVersion, listVersions, rollback, type VersionFile } from "../../src/apps/versions.ts";
import { sha256Hex } from "../../src/core/crypto.ts";
import { FaztError } from "../../src/core/errors.ts";
import { openDatabase, type Store } from "../../src/db/index.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

let store: Store;
beforeEach(async () => {
  store?.close();
  store = await openDatabase(join(tempDir(), "data.db"));
});
afterAll(() => {
  store.close();
  cleanupTemp();
});

function file(path: string, text: string): VersionFile {
  const bytes = new TextEncoder().encode(text);
  const sha256 = sha256Hex(bytes);
  insertBlob(store, { sha256, data: bytes, br: null, gzip: null });
  return { path, sha256, size: bytes.byteLength };
}

const deploy = (appName: string, files: VersionFile[], keep = 10) =>
  createVersion(store, { appName, spa: false, files, redirects: [], headers: [], keep });

test("the first deploy creates the app, its alias and version 1, and activates it", () => {
  const { appId, version } = deploy("blog", [file("index.html", "v1")]);
  expect(version).toMatchObject({ seq: 1, files: 1, bytes: 2, current: true });
  expect(store.sqlite.query("SELECT type, app_id FROM aliases WHERE name = 'blog'").get()).toEqual({
    type: "app",
    app_id: appId,
  });
  expect(store.sqlite.query("SELECT current_version_id FROM apps WHERE id = ?").get(appId)).toEqual({
    current_version_id: version.id,
  });
});

test("versions count up, rollback goes back one step or to a given id", () => {
  const v1 = deploy("blog", [file("index.html", "v1")]).version;
  const v2 = deploy("blog", [file("index.html", "v2")]).version;
  const v3 = deploy("blog", [file("index.html", "v3")]).version;
  expect(listVersions(store, "blog").map((v) => [v.seq, v.current])).toEqual([
    [3, true],
    [2, false],
    [1, false],
  ]);
  expect(rollback(store, "blog").id).toBe(v2.id);
  expect(rollback(store, "blog").id).toBe(v1.id);
  expect(() => rollback(store, "blog")).toThrow("no earlier version");
  expect(rollback(store, "blog", v3.id).id).toBe(v3.id);
  expect(() => rollback(store, "blog", "ver_nope")).toThrow(FaztError);
  expect(() => rollback(store, "nope")).toThrow("no app");
});

test("only the newest `keep` versions (and their file lists) stay", () => {
  for (let i = 1; i <= 5; i++) deploy("site", [file("index.html", `content ${i}`)], 3);
  expect(listVersions(store, "site").map((v) => v.seq)).toEqual([5, 4, 3]);
  const rows = store.sqlite.query("SELECT count(*) AS n FROM version_files").get() as { n: number };
  expect(rows.n).toBe(3);
});

test("refusals change nothing: bad names, missing contents, a name held by an alias", () => {
  deploy("blog", [file("index.html", "v1")]);
  const snapshot = () => JSON.stringify(store.sqlite.query("SELECT * FROM versions ORDER BY id").all());
  const before = snapshot();
  for (const bad of ["Bad Name", "-x", "admin", "api", "a".repeat(64), ""]) {
    expect(() => deploy(bad, [file("index.html", "x")])).toThrow(FaztError);
  }
  expect(() => deploy("blog", [{ path: "index.html", sha256: "f".repeat(64), size: 1 }])).toThrow(
    "never uploaded",
  );
  store.sqlite
    .query(
      "INSERT INTO aliases (name, type, url, created_at, updated_at) VALUES ('taken', 'redirect', 'https://x.test', 0, 0)",
    )
    .run();
  expect(() => deploy("taken", [file("index.html", "x")])).toThrow("taken by a redirect alias");
  expect(snapshot()).toBe(before);
  expect(store.sqlite.query("SELECT count(*) AS n FROM apps").get()).toEqual({ n: 1 });
});
