/**
 * Fazt on PostgreSQL against Fazt on SQLite, the same binary on the same
 * machine (issue 14): static 2 KiB, hello-JSON and `ds.insert` throughput as
 * ratios PostgreSQL / SQLite, loaded by `wrk` on loopback (2 threads, 64
 * connections, BENCH_SECONDS (5) per run after 1 s of warm-up, servers
 * alternating first). Then two nodes on the PostgreSQL database: the time
 * from a deploy's activation answered by node 1 to the new version served by
 * node 2 (polled every 2 ms), once per round.
 *
 * PostgreSQL: FAZT_BENCH_PG_URL or FAZT_TEST_PG_URL names a server (each run
 * makes its own database there), else a throwaway cluster is started with
 * Debian's binaries (tests/helpers/postgres.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freshDatabase } from "../../tests/helpers/postgres.ts";
import {
  cleanupTemps,
  ensureCommands,
  faztBinary,
  freePort,
  note,
  type Result,
  type Server,
  startServer,
  tempDir,
} from "../lib.ts";
import { HELLO, INSERT } from "../runtime/apps.ts";
import { type Api, deploy } from "../static/deploy.ts";
import { throughputFiles } from "../static/files.ts";
import { wrk } from "../static/wrk.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const THREADS = 2;
const CONNECTIONS = 64;
const POST_LUA = `wrk.method = "POST"
wrk.body = '{"a":1}'
wrk.headers["Content-Type"] = "application/json"
`;

interface Node extends Server {
  api: Api;
}

/** `fazt server init` + a key + `fazt server start`, all on `database` (a file or a URL). */
async function startNode(bin: string, dir: string, database: string, init: boolean): Promise<Node> {
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, FAZT_DATABASE_URL: database };
  const cli = (args: string[]) => {
    const p = Bun.spawnSync([bin, ...args], { cwd: home, env, stdout: "pipe", stderr: "pipe" });
    if (p.exitCode !== 0) throw new Error(`fazt ${args.join(" ")} failed:\n${p.stderr}${p.stdout}`);
    return p.stdout.toString();
  };
  if (init) cli(["server", "init", "--password", "bench-password-1"]);
  const { data } = JSON.parse(cli(["server", "create-key", "--name", "bench", "--format", "json"])) as {
    data: { token: string };
  };
  const port = freePort();
  const server = await startServer(
    [bin, "server", "start", "--listen", "127.0.0.1", "--port", String(port)],
    {
      port,
      env,
      cwd: home,
      logFile: join(dir, "fazt.log"),
    },
  );
  return { ...server, api: { base: `http://127.0.0.1:${port}`, token: data.token } };
}

export async function run(): Promise<Result[]> {
  const tools = ensureCommands({ wrk: ["wrk"] });
  const bin = faztBinary({ rebuildIfStale: true });
  process.env.FAZT_TEST_PG_URL ??= process.env.FAZT_BENCH_PG_URL;
  const tmp = tempDir("fazt-bench-pg-");
  const servers: Server[] = [];
  try {
    const lua = join(tmp, "post.lua");
    writeFileSync(lua, POST_LUA);
    const pgUrl = await freshDatabase();
    const sqlite = await startNode(bin, join(tmp, "sqlite"), join(tmp, "sqlite", "fazt.db"), true);
    servers.push(sqlite);
    const pg = await startNode(bin, join(tmp, "pg1"), pgUrl, true);
    servers.push(pg);
    const page = throughputFiles().find((f) => f.path === "page.html")!;
    for (const node of [sqlite, pg]) {
      await deploy(node.api, "site", [page]);
      await deploy(node.api, "app", HELLO);
      await deploy(node.api, "items", INSERT);
    }
    const loads = [
      {
        metric: "static 2 KiB",
        host: "site.localhost",
        path: "/page.html",
        script: undefined,
        min: page.data.byteLength,
      },
      { metric: "hello-JSON", host: "app.localhost", path: "/api/hello", script: undefined, min: 17 },
      { metric: "ds.insert", host: "items.localhost", path: "/api/items", script: lua, min: 10 },
    ];
    const rps: Record<string, { pg: number[]; sqlite: number[] }> = {};
    for (const l of loads) rps[l.metric] = { pg: [], sqlite: [] };
    const failed: Record<string, string> = {};
    note(
      `pg: wrk -t${THREADS} -c${CONNECTIONS}, ${SECONDS} s per run, ${ROUNDS} rounds; PostgreSQL / SQLite`,
    );
    for (let round = 1; round <= ROUNDS; round++) {
      const order =
        round % 2
          ? ([
              ["sqlite", sqlite],
              ["pg", pg],
            ] as const)
          : ([
              ["pg", pg],
              ["sqlite", sqlite],
            ] as const);
      for (const l of loads) {
        if (failed[l.metric]) continue;
        try {
          for (const [name, node] of order) {
            const o = {
              url: `http://127.0.0.1:${node.port}${l.path}`,
              host: l.host,
              threads: THREADS,
              connections: CONNECTIONS,
              script: l.script,
            };
            await wrk(tools.wrk, { ...o, seconds: WARMUP_SECONDS }, l.min);
            rps[l.metric]![name].push(
              (await wrk(tools.wrk, { ...o, seconds: SECONDS }, l.min)).requestsPerSec,
            );
          }
        } catch (e) {
          // One load that cannot run (e.g. app code on an engine it does not reach) leaves the others measured.
          failed[l.metric] = `failed: ${String((e as Error).message).split("\n")[0]}`;
          note(`  ${l.metric}: ${failed[l.metric]}`);
          continue;
        }
        const r = rps[l.metric]!;
        note(`  round ${round} ${l.metric}: ${(r.pg.at(-1)! / r.sqlite.at(-1)!).toFixed(2)}×`);
      }
    }

    // Two nodes: activation on node 1 → served by node 2.
    const second = await startNode(bin, join(tmp, "pg2"), pgUrl, false);
    servers.push(second);
    const seen: number[] = [];
    for (let round = 1; round <= Math.max(ROUNDS, 5); round++) {
      const body = `version ${round}`;
      await deploy(pg.api, "flip", [{ path: "index.html", data: new TextEncoder().encode(body) }]);
      const activated = performance.now();
      for (;;) {
        const res = await fetch(`http://127.0.0.1:${second.port}/`, { headers: { host: "flip.localhost" } });
        if ((await res.text()) === body) break;
        if (performance.now() - activated > 10_000)
          throw new Error(`node 2 did not serve "${body}" within 10 s`);
        await Bun.sleep(2);
      }
      seen.push(performance.now() - activated);
    }
    note(`pg: activation → node 2 ${seen.map((ms) => ms.toFixed(1)).join(", ")} ms`);

    return [
      ...loads.map((l) => ({
        metric: `${l.metric} req/s`,
        unit: "req/s",
        fazt: rps[l.metric]!.pg,
        baseline: rps[l.metric]!.sqlite,
        baselineName: "SQLite",
        ...(failed[l.metric] ? { error: failed[l.metric] } : {}),
      })),
      { metric: "activation → node 2", unit: "ms", fazt: seen, baseline: [], baselineName: "" },
    ];
  } finally {
    for (const s of servers) await s.stop();
    cleanupTemps();
  }
}
