/**
 * A deploy's activation is one transaction on PostgreSQL too: a process
 * SIGKILLed while it writes the new version's rows leaves the database with
 * the whole old version serving and nothing of the new one (its contents,
 * version and file rows went in the same transaction), and the next deploy
 * goes through. Another connection — another node — reads the old site
 * throughout. (The SQLite side is crash.test.ts, with the compiled binary.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type AppData, listVersions } from "../../src/apps/index.ts";
import { type Engine, openEngine } from "../../src/db/index.ts";
import { deployFiles } from "../../src/deploy/index.ts";
import { loadSite } from "../../src/hosting/site.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";

const SETTINGS = { maxDeployBytes: 100_000_000, maxFileBytes: 1_000_000, maxFiles: 100_000, keepVersions: 5 };
const FIXTURE = join(import.meta.dir, "fixtures", "deploy-many.ts");

describe.if(postgresAvailable())("PostgreSQL: killed inside the activation", () => {
  let url: string;
  let engine: Engine;
  let store: AppData;
  let watcher: InstanceType<typeof Bun.SQL>;
  afterAll(async () => {
    engine?.close();
    await watcher?.close();
  });

  test("set up: v1 serving", async () => {
    url = await freshDatabase();
    engine = await openEngine(url);
    store = { engine };
    watcher = new Bun.SQL({ url, max: 1 });
    const v1 = await deployFiles(store, SETTINGS, {
      name: "site",
      spa: false,
      files: [{ path: "index.html", data: new TextEncoder().encode("<p>v1</p>") }],
    });
    expect(v1.version.seq).toBe(1);
  });

  test("SIGKILL while the new version's file rows are being written: the old site whole, nothing of the new", async () => {
    const child = Bun.spawn(["bun", FIXTURE, url, "site", "3000"], { stdout: "pipe", stderr: "pipe" });
    // Watch from another connection for the child's backend inside its transaction, inserting file rows.
    let seen = false;
    for (let i = 0; i < 6000 && !seen && child.exitCode === null; i++) {
      const [row] = await watcher.unsafe(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO version_files%'`,
      );
      seen = (row as { n: number }).n > 0;
      if (!seen) await Bun.sleep(5);
    }
    child.kill("SIGKILL");
    await child.exited;
    const out = await new Response(child.stdout).text();
    expect(seen).toBe(true);
    expect(out).not.toContain("done");
    // The server ends the dead client's backend, rolling its transaction back.
    for (let i = 0; i < 400; i++) {
      const [row] = await watcher.unsafe(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`,
      );
      if ((row as { n: number }).n === 0) break;
      await Bun.sleep(25);
    }

    expect(listVersions(store, "site").map((v) => [v.seq, v.current])).toEqual([[1, true]]);
    const counts = engine.get<{ files: number; blobs: number; versions: number }>(
      `SELECT (SELECT count(*) FROM version_files) AS files, (SELECT count(*) FROM blobs) AS blobs,
              (SELECT count(*) FROM versions) AS versions`,
    );
    expect(counts).toEqual({ files: 1, blobs: 1, versions: 1 });
    const site = loadSite(store, "site");
    expect(site?.kind === "app" && [...site.files.keys()]).toEqual(["index.html"]);
  });

  test("the next deploy goes through (no lock or session left behind)", async () => {
    const v2 = await deployFiles(store, SETTINGS, {
      name: "site",
      spa: false,
      files: [{ path: "index.html", data: new TextEncoder().encode("<p>v2</p>") }],
    });
    expect(v2.version).toMatchObject({ seq: 2, current: true });
    const site = loadSite(store, "site");
    expect(site?.kind === "app" && site.versionId).toBe(v2.version.id);
  });
});

describe.if(postgresAvailable())("PostgreSQL: two nodes deploying one app at once", () => {
  test("both deploys go through, one after the other (versions 1 and 2), for a new app and an existing one", async () => {
    const url = await freshDatabase();
    // Migrate once before the race (two fresh processes would otherwise also race to migrate).
    (await openEngine(url)).close();
    for (const round of [1, 2]) {
      const startAt = Date.now() + 1500;
      const children = [0, 1].map(() =>
        Bun.spawn(["bun", FIXTURE, url, "twin", "400", String(startAt)], { stdout: "pipe", stderr: "pipe" }),
      );
      const outs = await Promise.all(children.map((c) => new Response(c.stdout).text()));
      for (const out of outs) expect(out).toContain("done");
      const engine = await openEngine(url);
      try {
        const seqs = listVersions({ engine }, "twin").map((v) => v.seq);
        expect(seqs).toEqual(round === 1 ? [2, 1] : [4, 3, 2, 1]);
        expect(engine.get<{ n: number }>("SELECT count(*) AS n FROM version_files")?.n).toBe(400 * 2 * round);
      } finally {
        engine.close();
      }
    }
  });
});
