/**
 * Static serving throughput: Fazt serving three files from a deployed app,
 * against nginx and Caddy (from Debian) serving the same files from disk,
 * loaded by `wrk` on loopback. Then Fazt's RSS after the load, and the time
 * to deploy a 1,000-file site fresh and again unchanged (which must upload
 * no content).
 *
 * Fair by construction: the three serve the very same bytes (checked before
 * measuring, with wrk's own request), over HTTP/1.1 keep-alive, without
 * compression (wrk sends no Accept-Encoding, and each answer is checked to
 * carry no Content-Encoding), with production settings (see servers.ts). The
 * one difference is deliberate: Fazt writes its structured access-log line
 * per request (SPEC §11), to a file; nginx and Caddy log nothing.
 *
 * Each round loads every file size on every server, for BENCH_SECONDS (5)
 * after a 1 s warm-up, servers in a rotating order; ratios are of medians
 * over BENCH_ROUNDS (5) rounds, and each round's own ratios go to stderr.
 * wrk: 2 threads, 64 connections; any non-2xx/3xx answer or socket error
 * fails the bench.
 */
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemps, ensureCommands, faztBinary, median, note, type Result, tempDir } from "../lib.ts";
import { type Api, deploy, hasDeployRoutes, readSite } from "./deploy.ts";
import { manyFiles, SIZES, sha256, throughputFiles, writeSite } from "./files.ts";
import { probe } from "./probe.ts";
import { type FaztServer, openUp, type StaticServer, startCaddy, startFazt, startNginx } from "./servers.ts";
import { wrk } from "./wrk.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP_SECONDS = 1;
const THREADS = 2;
const CONNECTIONS = 64;
/** Every request names the deployed app; nginx and Caddy answer any host. */
const HOST = "bench.localhost";
const APP = "bench";
const SITE_FILES = 1000;
const MiB = 1024 * 1024;

/** Goals at 64 connections, as the smallest acceptable fazt / baseline throughput. */
const GOALS: Record<string, { nginx?: number; caddy?: number }> = {
  "page.html": { nginx: 0.8, caddy: 2 },
  "app.js": { nginx: 0.8 },
  "blob.bin": { nginx: 0.8 },
};

type Name = "fazt" | "nginx" | "caddy";

export async function run(): Promise<Result[]> {
  const tools = ensureCommands({ nginx: ["nginx-light", "nginx"], caddy: ["caddy"], wrk: ["wrk"] });
  const bin = faztBinary({ rebuildIfStale: true });
  const tmp = tempDir("fazt-bench-static-");
  // nginx's workers run as `nobody` when started by root: the tree must be readable.
  chmodSync(tmp, 0o755);
  const servers: StaticServer[] = [];
  try {
    const files = throughputFiles();
    const www = join(tmp, "www");
    writeSite(www, files);
    openUp(www);

    const fazt: FaztServer = await startFazt(bin, join(tmp, "fazt"));
    servers.push(fazt);
    const api: Api = { base: `http://127.0.0.1:${fazt.port}`, token: fazt.token };
    if (!(await hasDeployRoutes(api))) {
      throw new Error("this fazt has no deploy routes (POST /api/deploys answers 404): nothing to serve");
    }
    const deployed = await deploy(api, APP, files);
    note(
      `static: deployed ${deployed.files} files (${deployed.bytes} bytes) as ${APP}, version ${deployed.seq}`,
    );
    const nginx = await startNginx(tools.nginx, join(tmp, "nginx"), www);
    servers.push(nginx);
    const caddy = await startCaddy(tools.caddy, join(tmp, "caddy"), www);
    servers.push(caddy);
    const byName: Record<Name, StaticServer> = { fazt, nginx, caddy };

    // Same bytes, status 200, no compression, keep-alive, from every server.
    for (const f of files) {
      const want = sha256(f.data);
      const seen: string[] = [];
      for (const s of servers) {
        const got = await probe(s.port, HOST, `/${f.path}`);
        const problem =
          got.status !== 200
            ? `status ${got.status}`
            : sha256(got.body) !== want
              ? "different bytes"
              : got.headers["content-encoding"]
                ? `content-encoding ${got.headers["content-encoding"]}`
                : /close/i.test(got.headers.connection ?? "")
                  ? "connection: close"
                  : null;
        if (problem) throw new Error(`${s.name} /${f.path}: ${problem}`);
        seen.push(`${s.name} ${got.headerBytes} B (${got.headers["content-type"] ?? "no type"})`);
      }
      note(`  /${f.path} ${f.data.byteLength} bytes; response headers: ${seen.join(", ")}`);
    }
    note(
      `static: wrk -t${THREADS} -c${CONNECTIONS}, ${SECONDS} s (+${WARMUP_SECONDS} s warm-up) per run, ${ROUNDS} rounds, ${navigator.hardwareConcurrency} CPUs`,
    );

    const rps: Record<string, Record<Name, number[]>> = {};
    for (const f of SIZES) rps[f.path] = { fazt: [], nginx: [], caddy: [] };
    const rss = { fazt: [] as number[], nginx: [] as number[], caddy: [] as number[] };
    const order: Name[] = ["fazt", "nginx", "caddy"];
    for (let round = 1; round <= ROUNDS; round++) {
      const turn = [...order.slice((round - 1) % 3), ...order.slice(0, (round - 1) % 3)];
      for (const f of SIZES) {
        const line: string[] = [];
        for (const name of turn) {
          const s = byName[name];
          const opts = {
            url: `http://127.0.0.1:${s.port}/${f.path}`,
            host: HOST,
            threads: THREADS,
            connections: CONNECTIONS,
          };
          await wrk(tools.wrk, { ...opts, seconds: WARMUP_SECONDS }, f.size);
          const r = await wrk(tools.wrk, { ...opts, seconds: SECONDS }, f.size);
          rps[f.path]![name].push(r.requestsPerSec);
          line.push(
            `${name} ${r.requestsPerSec.toFixed(0)} req/s ${(r.bytesPerSec / MiB).toFixed(0)} MiB/s ${r.latencyAvgMs.toFixed(2)} ms`,
          );
        }
        const x = (name: Name) => rps[f.path]!.fazt.at(-1)! / rps[f.path]![name].at(-1)!;
        note(
          `  round ${round} ${f.label}: ${line.join(" | ")} → ${x("nginx").toFixed(2)}× nginx, ${x("caddy").toFixed(2)}× caddy`,
        );
      }
      for (const name of order) rss[name].push(byName[name].treeRssKiB() / 1024);
      note(
        `  round ${round} RSS: fazt ${rss.fazt.at(-1)!.toFixed(1)} MiB, nginx ${rss.nginx.at(-1)!.toFixed(1)} MiB (master + workers), caddy ${rss.caddy.at(-1)!.toFixed(1)} MiB`,
      );
    }
    for (const f of SIZES) {
      const per = (base: Name) => rps[f.path]!.fazt.map((x, i) => x / rps[f.path]![base][i]!);
      const show = (base: Name) =>
        `${per(base)
          .map((r) => r.toFixed(2))
          .join(" ")} (median ${median(per(base)).toFixed(2)}) vs ${base}`;
      note(`  per-round ratios, ${f.label}: ${show("nginx")}; ${show("caddy")}`);
    }
    note(`  fazt's access log: ${(statSync(fazt.logFile).size / MiB).toFixed(0)} MiB written`);

    // Deploy timing: each round a new 1,000-file site (new bytes, so nothing is
    // already stored), deployed from disk as a new app, then again unchanged.
    const fresh: number[] = [];
    const again: number[] = [];
    const againUploaded: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = join(tmp, `site-${round}`);
      mkdirSync(dir);
      writeSite(dir, manyFiles(SITE_FILES, 1000 + round));
      const name = `site-${round}`;
      const timed = async () => {
        const t0 = performance.now();
        const result = await deploy(api, name, readSite(dir));
        return { ms: performance.now() - t0, result };
      };
      const first = await timed();
      const second = await timed();
      if (first.result.files !== SITE_FILES)
        throw new Error(`deployed ${first.result.files} files, not ${SITE_FILES}`);
      if (first.result.uploadedBytes !== first.result.bytes) {
        note(
          `  note: the fresh deploy uploaded ${first.result.uploadedBytes} of ${first.result.bytes} bytes`,
        );
      }
      const index = await probe(fazt.port, `${name}.localhost`, "/index.html");
      if (index.status !== 200) throw new Error(`${name}.localhost/index.html: status ${index.status}`);
      fresh.push(first.ms);
      again.push(second.ms);
      againUploaded.push(second.result.uploadedBytes);
      note(
        `  round ${round} deploy ${SITE_FILES} files (${(first.result.bytes / MiB).toFixed(1)} MiB): fresh ${first.ms.toFixed(0)} ms (uploaded ${first.result.uploadedBytes} B), again ${second.ms.toFixed(0)} ms (uploaded ${second.result.uploadedBytes} B, version ${second.result.seq})`,
      );
    }
    note(`  fazt RSS after the deploys: ${(fazt.treeRssKiB() / 1024).toFixed(1)} MiB`);

    const results: Result[] = [];
    for (const f of SIZES) {
      for (const base of ["nginx", "caddy"] as const) {
        results.push({
          metric: `${f.label} throughput, ${CONNECTIONS} conns`,
          unit: "req/s",
          fazt: rps[f.path]!.fazt,
          baseline: rps[f.path]![base],
          baselineName: base,
          minRatio: GOALS[f.path]?.[base],
        });
      }
    }
    results.push(
      {
        metric: "RSS after the load (VmRSS)",
        unit: "MiB",
        fazt: rss.fazt,
        baseline: rss.nginx,
        baselineName: "nginx",
        maxValue: 100,
      },
      {
        metric: `deploy ${SITE_FILES} files, fresh`,
        unit: "ms",
        fazt: fresh,
        baseline: [],
        baselineName: "",
      },
      {
        metric: `deploy ${SITE_FILES} files, unchanged`,
        unit: "ms",
        fazt: again,
        baseline: [],
        baselineName: "",
      },
      {
        // The most of any round: one round uploading anything is a miss.
        metric: "  content uploaded when unchanged (max)",
        unit: "B",
        fazt: [Math.max(...againUploaded)],
        baseline: [],
        baselineName: "",
        maxValue: 0,
      },
    );
    return results;
  } finally {
    for (const s of servers.reverse()) await s.stop();
    cleanupTemps();
  }
}
