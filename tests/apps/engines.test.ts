/**
 * The app model's stores — blobs, apps and versions, aliases, env, logs —
 * the deploy pipeline and the site index, run against both engines
 * (db/engine/types.ts): the same calls give the same answers on SQLite and
 * on PostgreSQL, and a deploy's activation is all-or-nothing on both.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  type AppData,
  appendLog,
  appIdOf,
  blobSize,
  collectGarbage,
  createVersion,
  existingBlobs,
  getApp,
  listAliases,
  listApps,
  listEnv,
  listFiles,
  listVersions,
  putBlob,
  readBlob,
  readEnv,
  readFile,
  readLogs,
  removeAlias,
  removeApp,
  rollback,
  setAlias,
  trimLogs,
  updateEnv,
  versionContents,
} from "../../src/apps/index.ts";
import { sha256Hex } from "../../src/core/crypto.ts";
import { FaztError } from "../../src/core/errors.ts";
import { type Engine, openEngine } from "../../src/db/index.ts";
import {
  deployFiles,
  deploySessionApp,
  finishDeploy,
  startDeploy,
  uploadBlob,
} from "../../src/deploy/index.ts";
import { changeSourceFor, Generation, loadSite, previewKey, SiteCache } from "../../src/hosting/site.ts";
import { databaseFacts } from "../../src/http/admin/system.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const engines = [
  { dialect: "sqlite", target: async () => join(tempDir(), "data.db") },
  ...(postgresAvailable() ? [{ dialect: "postgres", target: freshDatabase }] : []),
];

const SETTINGS = { maxDeployBytes: 10_000_000, maxFileBytes: 5_000_000, maxFiles: 100, keepVersions: 3 };
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
/** Compressible text over the 1 KiB threshold: stored with br and gzip variants. */
const BIG_HTML = `<!doctype html><title>big</title>${"<p>hello fazt</p>".repeat(200)}`;

function failureOf(fn: () => unknown): FaztError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FaztError) return e;
    throw e;
  }
  throw new Error("expected a FaztError");
}

async function failureOfAsync(fn: () => Promise<unknown>): Promise<FaztError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof FaztError) return e;
    throw e;
  }
  throw new Error("expected a FaztError");
}

const files = (entries: Record<string, string>) =>
  Object.entries(entries).map(([path, text]) => ({ path, data: encode(text) }));

describe.each(engines)("app model on $dialect", ({ dialect, target }) => {
  let engine: Engine;
  let where: string;
  let store: AppData;
  const count = (table: string) => store.engine.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)?.n;

  test("opens", async () => {
    where = await target();
    engine = await openEngine(where);
    store = { engine };
    expect(engine.dialect).toBe(dialect as Engine["dialect"]);
  });

  test("blob store: put once, has, read each representation, size, refuse a wrong hash", async () => {
    const bytes = encode(BIG_HTML);
    const sha = sha256Hex(bytes);
    expect(await putBlob(store, sha, bytes, "text/html")).toEqual({ stored: true });
    expect(await putBlob(store, sha, bytes, "text/html")).toEqual({ stored: false });
    expect([...existingBlobs(store, [sha, "0".repeat(64)])]).toEqual([sha]);
    expect(decode(readBlob(store, sha))).toBe(BIG_HTML);
    expect(readBlob(store, sha)).toBeInstanceOf(Uint8Array);
    expect(readBlob(store, sha, "br")?.byteLength).toBeLessThan(bytes.byteLength);
    expect(readBlob(store, sha, "gzip")?.byteLength).toBeLessThan(bytes.byteLength);
    expect(blobSize(store, sha)).toBe(bytes.byteLength);
    expect(readBlob(store, "f".repeat(64))).toBeNull();
    expect(blobSize(store, "f".repeat(64))).toBeNull();
    const small = encode("tiny");
    await putBlob(store, sha256Hex(small), small, "text/plain");
    expect(readBlob(store, sha256Hex(small), "br")).toBeNull();
    const wrong = await failureOfAsync(() => putBlob(store, "a".repeat(64), small, "text/plain"));
    expect(wrong.code).toBe("VALIDATION_FAILED");
    expect(existingBlobs(store, ["a".repeat(64)]).size).toBe(0);
  });

  test("the deploy protocol: start, upload what is missing, finish; a session finishes once", async () => {
    const index = encode(BIG_HTML);
    const css = encode("body { color: red }");
    const manifest = {
      name: "blog",
      message: "first",
      files: [
        { path: "index.html", sha256: sha256Hex(index), size: index.byteLength },
        { path: "style.css", sha256: sha256Hex(css), size: css.byteLength },
      ],
    };
    const { id, missing } = startDeploy(store, SETTINGS, manifest);
    // index.html's contents were stored by the previous test: only the CSS is missing.
    expect(missing).toEqual([sha256Hex(css)]);
    expect(deploySessionApp(store, id)).toBe("blog");
    const early = failureOf(() => finishDeploy(store, SETTINGS, id));
    expect(early.code).toBe("VALIDATION_FAILED");
    expect(await uploadBlob(store, id, sha256Hex(css), css)).toEqual({ stored: true });
    const out = finishDeploy(store, SETTINGS, id);
    expect(out).toMatchObject({ app: "blog", uploadedBytes: css.byteLength });
    expect(out.version).toMatchObject({ seq: 1, files: 2, message: "first", current: true });
    expect(deploySessionApp(store, id)).toBeNull();
    expect(failureOf(() => finishDeploy(store, SETTINGS, id)).code).toBe("NOT_FOUND");
    expect(listVersions(store, "blog")).toHaveLength(1);

    expect(listFiles(store, "blog")).toEqual([
      {
        path: "index.html",
        sha256: sha256Hex(index),
        size: index.byteLength,
        mime: "text/html; charset=utf-8",
      },
      { path: "style.css", sha256: sha256Hex(css), size: css.byteLength, mime: "text/css; charset=utf-8" },
    ]);
    const file = readFile(store, "blog", "style.css");
    expect(decode(file.data)).toBe("body { color: red }");
    expect(failureOf(() => readFile(store, "blog", "nope.css")).code).toBe("NOT_FOUND");
  });

  test("a session finished twice at once makes one version: the finish consumes it inside the activation", async () => {
    const rules = encode("/a /b 301");
    const sha = sha256Hex(rules);
    const { id } = startDeploy(store, SETTINGS, {
      name: "race",
      files: [{ path: "_redirects", sha256: sha, size: rules.byteLength }],
    });
    await uploadBlob(store, id, sha, rules);
    // A second finish of the same session runs while the first reads its rules: after the
    // first loaded the session, before it activates (what two nodes or two requests do).
    let inner: unknown = null;
    const racing: AppData = {
      engine: new Proxy(store.engine, {
        get(target, prop) {
          const real = Reflect.get(target, prop, target);
          if (prop !== "get") return typeof real === "function" ? real.bind(target) : real;
          return (sql: string, params?: unknown[]) => {
            if (inner === null && sql.includes("FROM blobs WHERE sha256"))
              inner = finishDeploy(store, SETTINGS, id);
            return target.get(sql, params as never);
          };
        },
      }),
    };
    expect(failureOf(() => finishDeploy(racing, SETTINGS, id)).code).toBe("NOT_FOUND");
    expect(inner).toMatchObject({ app: "race", version: { seq: 1 } });
    expect(listVersions(store, "race").map((v) => v.seq)).toEqual([1]);
  });

  test("files in hand (zip): rules parsed, app code and rules never served, flags as booleans", async () => {
    const out = await deployFiles(store, SETTINGS, {
      name: "shop",
      spa: true,
      files: files({
        "index.html": BIG_HTML,
        "api/main.js": "export default () => ({ ok: true })",
        _redirects: "/old /new 301",
        _headers: "/*\n  X-Shop: yes",
      }),
    });
    expect(out.version).toMatchObject({ seq: 1, files: 4, current: true });
    const site = loadSite(store, "shop");
    if (site?.kind !== "app") throw new Error("expected an app site");
    expect(site).toMatchObject({ appName: "shop", spa: true, hasApi: true, versionId: out.version.id });
    expect([...site.files.keys()]).toEqual(["index.html"]);
    expect(site.files.get("index.html")).toMatchObject({ hasBr: true, hasGzip: true });
    expect(site.redirects?.rules).toHaveLength(1);
    expect(site.headers?.rules).toHaveLength(1);
    const app = getApp(store, "shop", (n) => `http://${n}.test`);
    expect(app).toMatchObject({ name: "shop", spa: true, hasApi: true, aliases: ["shop"], keptVersions: 1 });
    expect(app.version).toMatchObject({ seq: 1, files: 4, current: true });
    expect(typeof app.createdAt).toBe("number");
  });

  test("app code is read by exact prefix (LIKE would ignore case on SQLite only)", async () => {
    const out = await deployFiles(store, SETTINGS, {
      name: "code",
      spa: false,
      files: files({
        "index.html": "hi",
        "api/main.js": "main",
        "API/shout.js": "not code",
        "private/a.txt": "secret",
        "privately.txt": "public",
      }),
    });
    const loaded = versionContents(store, out.version.id, ["api/", "private/"]);
    expect([...loaded.keys()].sort()).toEqual(["api/main.js", "private/a.txt"]);
    expect(decode(loaded.get("private/a.txt")!)).toBe("secret");
  });

  test("activation is one transaction: a refused finish leaves the session, and writes nothing", async () => {
    setAlias(store, { name: "taken", type: "redirect", url: "https://example.com" });
    const body = encode("taken?");
    const sha = sha256Hex(body);
    const { id } = startDeploy(store, SETTINGS, {
      name: "taken",
      files: [{ path: "index.html", sha256: sha, size: body.byteLength }],
    });
    await uploadBlob(store, id, sha, body);
    const before = { apps: count("apps"), versions: count("versions"), files: count("version_files") };
    expect(failureOf(() => finishDeploy(store, SETTINGS, id)).code).toBe("CONFLICT");
    expect({ apps: count("apps"), versions: count("versions"), files: count("version_files") }).toEqual(
      before,
    );
    // The session was not consumed: the DELETE ran inside the rolled-back transaction.
    expect(deploySessionApp(store, id)).toBe("taken");

    // Contents never uploaded: the foreign key refuses inside the transaction, nothing stays.
    const missing = failureOf(() =>
      createVersion(store, {
        appName: "ghost",
        spa: false,
        files: [{ path: "index.html", sha256: "e".repeat(64), size: 1 }],
        redirects: [],
        headers: [],
        keep: 3,
      }),
    );
    expect(missing.code).toBe("VALIDATION_FAILED");
    expect(store.engine.get("SELECT id FROM apps WHERE name = 'ghost'")).toBeNull();
    expect(store.engine.get("SELECT name FROM aliases WHERE name = 'ghost'")).toBeNull();
  });

  test("versions: keep prunes the oldest, rollback steps back or to an id, previews do not activate", async () => {
    for (const text of ["v2", "v3", "v4"]) {
      await deployFiles(store, SETTINGS, { name: "blog", spa: false, files: files({ "index.html": text }) });
    }
    const kept = listVersions(store, "blog");
    expect(kept.map((v) => v.seq)).toEqual([4, 3, 2]);
    expect(kept.map((v) => v.current)).toEqual([true, false, false]);
    const back = rollback(store, "blog");
    expect(back.seq).toBe(3);
    const site = loadSite(store, "blog");
    expect(site?.kind === "app" && site.versionId).toBe(back.id);
    rollback(store, "blog", kept[2]!.id);
    expect(listVersions(store, "blog").find((v) => v.current)?.seq).toBe(2);
    expect(failureOf(() => rollback(store, "blog", "ver_nope")).code).toBe("NOT_FOUND");

    // A preview does not activate; the current version survives pruning even when it is the oldest.
    const pv = createVersion(store, {
      appName: "blog",
      spa: false,
      files: listFiles(store, "blog").map(({ path, sha256, size }) => ({ path, sha256, size })),
      redirects: [],
      headers: [],
      keep: 2,
      activate: false,
    });
    expect(pv.version).toMatchObject({ seq: 5, current: false });
    expect(listVersions(store, "blog").map((v) => [v.seq, v.current])).toEqual([
      [5, false],
      [4, false],
      [2, true],
    ]);
    const previewSite = loadSite(store, previewKey("blog", 5));
    expect(previewSite?.kind === "app" && previewSite.versionId).toBe(pv.version.id);
    expect(loadSite(store, previewKey("blog", 3))).toBeNull();
  });

  test("aliases: app, redirect, reserved; replaced; listed with camelCase times; removed", () => {
    const first = setAlias(store, { name: "home", type: "app", app: "blog" });
    expect(first.created).toBe(true);
    expect(first.alias).toMatchObject({ name: "home", type: "app", app: "blog", url: null });
    expect(typeof first.alias.createdAt).toBe("number");
    expect(first.alias.updatedAt).toBe(first.alias.createdAt);
    const again = setAlias(store, { name: "home", type: "reserved" });
    expect(again).toMatchObject({ created: false, alias: { type: "reserved", app: null } });
    expect(loadSite(store, "home")).toEqual({ kind: "reserved" });
    setAlias(store, { name: "go", type: "redirect", url: "https://example.com/x" });
    expect(loadSite(store, "go")).toEqual({ kind: "redirect", url: "https://example.com/x" });
    setAlias(store, { name: "journal", type: "app", app: "blog" });
    expect(failureOf(() => setAlias(store, { name: "x", type: "app", app: "nope" })).code).toBe("NOT_FOUND");
    const names = listAliases(store).map((a) => a.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("home");
    expect(listAliases(store).every((a) => typeof a.createdAt === "number")).toBe(true);
    const { apps, total } = listApps(store, (n) => n, { limit: 10, offset: 0 });
    expect(total).toBe(apps.length);
    expect(apps.find((a) => a.name === "blog")?.aliases).toEqual(["blog", "journal"]);
    removeAlias(store, "go");
    expect(loadSite(store, "go")).toBeNull();
    expect(failureOf(() => removeAlias(store, "go")).code).toBe("NOT_FOUND");
  });

  test("env: set and unset in one transaction, previews, a refusal changes nothing", () => {
    const id = appIdOf(store, "blog");
    updateEnv(store, id, { set: { API_KEY: "sk-1234567890", SHORT: "x" } });
    updateEnv(store, id, { set: { SHORT: "y" }, unset: ["NOT_THERE"] });
    expect(readEnv(store, id)).toEqual({ API_KEY: "sk-1234567890", SHORT: "y" });
    expect(listEnv(store, id).map(({ key, preview, length }) => ({ key, preview, length }))).toEqual([
      { key: "API_KEY", preview: "sk…", length: 13 },
      { key: "SHORT", preview: "•••", length: null },
    ]);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`K${i}`, "v"]));
    expect(failureOf(() => updateEnv(store, id, { set: many, unset: ["SHORT"] })).code).toBe(
      "VALIDATION_FAILED",
    );
    expect(readEnv(store, id)).toEqual({ API_KEY: "sk-1234567890", SHORT: "y" });
    updateEnv(store, id, { unset: ["SHORT"] });
    expect(Object.keys(readEnv(store, id))).toEqual(["API_KEY"]);
  });

  test("logs: ids in order, last N and after an id, trimmed by age and by count", () => {
    const id = appIdOf(store, "blog");
    const t0 = 1_764_000_000_000;
    const lines = [1, 2, 3, 4, 5].map((i) =>
      appendLog(store, id, { level: "info", message: `line ${i}`, requestId: `r${i}` }, t0 + i),
    );
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((a, b) => a - b));
    const last = readLogs(store, id, { limit: 2 });
    expect(last.map((l) => l.message)).toEqual(["line 4", "line 5"]);
    expect(last[1]).toEqual({
      id: lines[4]!.id,
      level: "info",
      message: "line 5",
      requestId: "r5",
      createdAt: t0 + 5,
    });
    expect(readLogs(store, id, { afterId: lines[1]!.id, limit: 2 }).map((l) => l.message)).toEqual([
      "line 3",
      "line 4",
    ]);
    // Age: lines 1–2 are older than the cut; count: of the other three, the newest two stay.
    const removed = trimLogs(store, { now: t0 + 3 + 1000, maxAgeMs: 1000, maxRowsPerApp: 2 });
    const left = readLogs(store, id, { limit: 100 }).map((l) => l.message);
    expect(left.slice(-2)).toEqual(["line 4", "line 5"]);
    expect(left).not.toContain("line 3");
    expect(removed).toBeGreaterThanOrEqual(3);
  });

  test("removing an app takes its versions, aliases, env and logs; GC drops unused contents only", () => {
    const id = appIdOf(store, "blog");
    removeApp(store, "blog");
    expect(failureOf(() => appIdOf(store, "blog")).code).toBe("NOT_FOUND");
    for (const table of ["versions", "app_env", "app_logs"]) {
      expect(
        store.engine.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE app_id = ?`, [id])?.n,
      ).toBe(0);
    }
    expect(store.engine.get("SELECT name FROM aliases WHERE name IN ('blog', 'journal')")).toBeNull();
    expect(failureOf(() => removeApp(store, "root")).code).toBe("CONFLICT");
    const shop = listFiles(store, "shop")[0]!;
    const orphan = encode("nobody uses me");
    store.engine.run("INSERT INTO blobs (sha256, size, data, created_at) VALUES (?, ?, ?, ?)", [
      sha256Hex(orphan),
      orphan.byteLength,
      orphan,
      0,
    ]);
    expect(collectGarbage(store, Date.now() + 2 * 60 * 60 * 1000)).toBeGreaterThanOrEqual(1);
    expect(readBlob(store, sha256Hex(orphan))).toBeNull();
    expect(readBlob(store, shop.sha256)).not.toBeNull();
  });

  test("a site is read in one snapshot: a version pruned by another writer mid-read still loads whole", async () => {
    const out = await deployFiles(store, SETTINGS, {
      name: "snap",
      spa: false,
      files: files({ "index.html": "one", "two.html": "two" }),
    });
    const other = await openEngine(where);
    try {
      // Between reading the alias and reading the version's files, another node prunes the version.
      let pruned = false;
      const racing: AppData = {
        engine: new Proxy(store.engine, {
          get(target, prop) {
            const real = Reflect.get(target, prop, target);
            if (prop !== "all") return typeof real === "function" ? real.bind(target) : real;
            return (sql: string, params?: unknown[]) => {
              if (!pruned && sql.includes("FROM version_files f JOIN blobs")) {
                pruned = true;
                other.run("DELETE FROM versions WHERE id = ?", [out.version.id]);
              }
              return target.all(sql, params as never);
            };
          },
        }),
      };
      const site = loadSite(racing, "snap");
      expect(pruned).toBe(true);
      expect(site?.kind === "app" && [...site.files.keys()].sort()).toEqual(["index.html", "two.html"]);
      expect(loadSite(store, "snap")).toBeNull();
    } finally {
      other.close();
    }
  });

  test("the site cache follows other writers: data_version on SQLite, a bumped Generation on PostgreSQL", async () => {
    const changes = changeSourceFor(store);
    const other = await openEngine(where);
    try {
      if (dialect === "sqlite") {
        const before = changes.generation();
        other.run("UPDATE apps SET updated_at = updated_at + 1 WHERE name = 'shop'");
        expect(changes.generation()).not.toBe(before);
      } else {
        expect(changes).toBeInstanceOf(Generation);
      }
      const generation = new Generation();
      const cache = new SiteCache(store, undefined, generation);
      try {
        const site = cache.get("shop");
        expect(site?.kind).toBe("app");
        other.run("DELETE FROM aliases WHERE name = 'shop'");
        expect(cache.get("shop")).toBe(site); // cached: nobody said anything moved
        generation.bump();
        await Bun.sleep(300); // the cache looks at its source on its 250 ms tick
        expect(cache.get("shop")).toBeNull();
      } finally {
        cache.close();
      }
    } finally {
      other.close();
    }
  });

  test("the health answer's database facts: size and schema number on either engine", () => {
    const facts = databaseFacts(engine, where);
    expect(facts.bytes).toBeGreaterThan(0);
    expect(facts.schema).toBe(
      store.engine.get<{ n: number }>("SELECT count(*) AS n FROM fazt_migrations")?.n ?? -1,
    );
    expect(facts.schema).toBeGreaterThan(0);
  });

  test("closes", () => {
    engine.close();
  });
});
