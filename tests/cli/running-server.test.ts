/**
 * The running server is found: `server start --port N` records where it
 * listens, so the CLI's `local` peer, `server status` and `app deploy` follow
 * it; a stop clears the record and a crashed server's record is ignored.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { join } from "node:path";
import { fazt, type ServerProcess, startServerProcess } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";
import { data, makeFolder } from "./instance.ts";
import { PASSWORD, readDb, status } from "./support.ts";

const started: ServerProcess[] = [];
afterAll(async () => {
  for (const s of started) await s.stop("SIGKILL");
  cleanupTemp();
});

/** A database whose stored port is `stored`, and a server started on another port. */
async function overridden(): Promise<{ home: string; db: string; stored: number; server: ServerProcess }> {
  const home = tempDir();
  const stored = freePort();
  const init = await fazt(["server", "init", "--password", PASSWORD, "--port", String(stored)], { home });
  expect(init.code).toBe(0);
  let port = freePort();
  while (port === stored) port = freePort();
  const server = await startServerProcess([], { home, port });
  started.push(server);
  return { home, db: join(home, ".fazt", "data.db"), stored, server };
}

type Row = { pid: number; port: number; listen: string; hostname: string; seen_at: number };
const rows = (db: string) => readDb(db, (d) => d.query<Row, []>("SELECT * FROM running_servers").all());

describe("server start --port N is followed by the CLI", () => {
  test("app deploy, app list, the local peer and server status use the port the server listens on", async () => {
    const { home, db, stored, server } = await overridden();
    expect(rows(db)).toEqual([
      expect.objectContaining({
        pid: server.proc.pid,
        port: server.port,
        listen: "127.0.0.1",
        hostname: hostname(),
      }),
    ]);

    const dir = makeFolder({ "index.html": "<h1>moved</h1>" }, "moved");
    const deployed = await fazt(["app", "deploy", dir], { home });
    expect(deployed.stderr).toBe("");
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`http://moved.localhost:${server.port}`);
    const page = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { host: "moved.localhost" } });
    expect(await page.text()).toBe("<h1>moved</h1>");

    const peers = readDb(db, (d) => d.query<{ url: string }, []>("SELECT url FROM peers").all());
    expect(peers).toEqual([{ url: `http://127.0.0.1:${server.port}` }]);

    const st = await status({ home });
    expect(st).toMatchObject({
      port: stored,
      running: true,
      runningPort: server.port,
      runningPid: server.proc.pid,
    });
    const text = await fazt(["server", "status"], { home });
    expect(text.stdout).toMatch(new RegExp(`running on port ${server.port}`));

    expect(data<Array<{ name: string }>>(await fazt(["app", "list", "--format", "json"], { home }))).toEqual([
      expect.objectContaining({ name: "moved" }),
    ]);

    // A graceful stop clears the record; the CLI is back on the stored port (and says nothing runs).
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(rows(db)).toEqual([]);
    expect(await status({ home })).toMatchObject({ running: false, runningPort: null });
    const refused = await fazt(["app", "list"], { home });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`127.0.0.1:${stored}`);
  });

  test("a crashed server's record is stale: ignored and removed", async () => {
    const { home, db, server } = await overridden();
    expect(rows(db)).toHaveLength(1);
    await server.stop("SIGKILL");
    // Left behind by the crash…
    expect(rows(db)).toHaveLength(1);
    // …judged by its pid, not followed, and cleaned up.
    expect(await status({ home })).toMatchObject({ running: false, runningPort: null });
    expect(rows(db)).toEqual([]);
  });

  test("a record whose heartbeat is too old is stale even if its pid lives", async () => {
    const home = tempDir();
    expect((await fazt(["server", "init", "--password", PASSWORD], { home })).code).toBe(0);
    const db = join(home, ".fazt", "data.db");
    const port = freePort();
    const old = Date.now() - 10 * 60 * 1000;
    const w = new Database(db);
    w.query(
      "INSERT INTO running_servers (id, pid, hostname, listen, port, https, started_at, seen_at) VALUES ('srv_old', ?, ?, '127.0.0.1', ?, 0, ?, ?)",
    ).run(process.pid, hostname(), port, old, old);
    w.close();
    const st = await status({ home });
    expect(st.runningPort).toBeNull();
    expect(rows(db)).toEqual([]);
  });

  test("a second start on the same database keeps one record per live server", async () => {
    const { home, db, server } = await overridden();
    const other = await startServerProcess([], { home, port: freePort() });
    started.push(other);
    expect(
      rows(db)
        .map((r) => r.port)
        .sort(),
    ).toEqual([server.port, other.port].sort());
    // The newest one is followed.
    expect(await status({ home })).toMatchObject({ runningPort: other.port });
    await other.stop();
    expect(rows(db).map((r) => r.port)).toEqual([server.port]);
    expect(await status({ home })).toMatchObject({ runningPort: server.port });
  });
});
