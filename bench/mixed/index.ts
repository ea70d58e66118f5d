/**
 * Memory under load: Fazt's resident memory while it serves static files and
 * takes API writes at the same time for BENCH_MIXED_SECONDS (180), sampled
 * every 100 ms. The goal is on the peak (a Pi Zero 2 has 512 MB in all).
 *
 * One fresh `fazt server start` with two apps: `site`, the three files of the
 * static bench (2 KiB, 100 KiB, 1 MiB) plus 200 files of 1–20 KiB; `items`,
 * a `ds.insert` per POST. Two wrk clients run side by side: one GETs the
 * site's files in turn (so the 1 MiB file is every 203rd request), one POSTs
 * a 1 KiB JSON document. RSS is VmRSS of the process and any child process
 * (a process's VmRSS covers all its threads: runtime workers, listeners).
 * Printed: the peak, the 95th percentile, the last sample under load, and the
 * figure after 5 s of quiet. There is no peer and one run (three minutes).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemps, ensureCommands, faztBinary, note, type Result, tempDir } from "../lib.ts";
import { processTreeRssKiB } from "../proc.ts";
import { INSERT } from "../runtime/apps.ts";
import { type Api, deploy } from "../static/deploy.ts";
import { manyFiles, type SiteFile, throughputFiles } from "../static/files.ts";
import { probe } from "../static/probe.ts";
import { startFazt } from "../static/servers.ts";
import { type WrkResult, wrk } from "../static/wrk.ts";
import { percentile, sampler } from "./sample.ts";

const SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 180);
const SAMPLE_MS = 100;
const SETTLE_MS = 5000;
const SMALL_FILES = 200;
const STATIC_CONNECTIONS = 32;
const WRITE_CONNECTIONS = 16;
const MiB = 1024 * 1024;

/** A document of about 1 KiB, so the writes carry some data. */
const DOC = JSON.stringify({ title: "mixed load", tags: ["a", "b", "c"], text: "x".repeat(960) });

/** wrk script: GET the given paths in turn, one per request. */
function rotateLua(paths: string[]): string {
  return `local paths = { ${paths.map((p) => JSON.stringify(p)).join(", ")} }
local i = 0
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end
`;
}

const POST_LUA = `wrk.method = "POST"
wrk.body = '${DOC}'
wrk.headers["Content-Type"] = "application/json"
`;

export async function run(): Promise<Result[]> {
  if (!Number.isFinite(SECONDS) || SECONDS < 1) {
    throw new Error(`BENCH_MIXED_SECONDS must be a number of seconds ≥ 1 (got ${SECONDS})`);
  }
  const tools = ensureCommands({ wrk: ["wrk"] });
  const bin = faztBinary({ rebuildIfStale: true });
  const tmp = tempDir("fazt-bench-mixed-");
  const fazt = await startFazt(bin, join(tmp, "fazt"));
  try {
    const api: Api = { base: `http://127.0.0.1:${fazt.port}`, token: fazt.token };
    const files: SiteFile[] = [...throughputFiles(), ...manyFiles(SMALL_FILES, 7)];
    await deploy(api, "site", files);
    await deploy(api, "items", INSERT);

    // Every path answers 200 with its bytes before measuring.
    for (const f of files) {
      const got = await probe(fazt.port, "site.localhost", `/${f.path}`);
      if (got.status !== 200 || got.body.byteLength !== f.data.byteLength) {
        throw new Error(`site.localhost/${f.path}: status ${got.status}, ${got.body.byteLength} bytes`);
      }
    }
    const write = await probe(fazt.port, "items.localhost", "/api/items", 10_000, {
      method: "POST",
      body: DOC,
      headers: { "Content-Type": "application/json" },
    });
    const wrote = new TextDecoder().decode(write.body);
    if (write.status !== 200 || !/^\{"id":"[^"]+"\}$/.test(wrote)) {
      throw new Error(`items.localhost/api/items: status ${write.status} ${wrote.slice(0, 200)}`);
    }
    const staticLua = join(tmp, "rotate.lua");
    writeFileSync(staticLua, rotateLua(files.map((f) => `/${f.path}`)));
    const postLua = join(tmp, "post.lua");
    writeFileSync(postLua, POST_LUA);

    const smallest = Math.min(...files.map((f) => f.data.byteLength));
    const largest = Math.max(...files.map((f) => f.data.byteLength));
    const idle = processTreeRssKiB(fazt.pid) / 1024;
    note(
      `mixed: ${files.length} static files (${(files.reduce((n, f) => n + f.data.byteLength, 0) / MiB).toFixed(1)} MiB) and ds.insert of ${DOC.length} B, ${SECONDS} s; wrk -t1 -c${STATIC_CONNECTIONS} GET + wrk -t1 -c${WRITE_CONNECTIONS} POST; RSS sampled every ${SAMPLE_MS} ms; ${idle.toFixed(1)} MiB before`,
    );

    // The whole tree, and the main process's anonymous part (heaps, buffers) to tell what grew.
    const rss = sampler(() => {
      const total = processTreeRssKiB(fazt.pid) / 1024;
      return total > 0 ? { total, anon: fazt.rssKiB("RssAnon") / 1024 } : undefined;
    }, SAMPLE_MS);
    let results: [WrkResult, WrkResult];
    try {
      results = await Promise.all([
        wrk(
          tools.wrk,
          {
            url: `http://127.0.0.1:${fazt.port}/`,
            host: "site.localhost",
            threads: 1,
            connections: STATIC_CONNECTIONS,
            seconds: SECONDS,
            script: staticLua,
          },
          smallest,
          largest,
        ),
        wrk(
          tools.wrk,
          {
            url: `http://127.0.0.1:${fazt.port}/api/items`,
            host: "items.localhost",
            threads: 1,
            connections: WRITE_CONNECTIONS,
            seconds: SECONDS,
            script: postLua,
          },
          write.headerBytes + write.body.byteLength,
          (write.headerBytes + write.body.byteLength) * 1.03,
        ),
      ]);
    } finally {
      rss.stop();
    }
    const [reads, writes] = results;
    const taken = rss.samples();
    const under = taken.map((x) => x.total);
    if (under.length < 2) throw new Error(`only ${under.length} RSS samples in ${SECONDS} s`);
    await Bun.sleep(SETTLE_MS);
    const settled = processTreeRssKiB(fazt.pid) / 1024;
    const peak = Math.max(...under);
    const anonAtPeak = taken.find((x) => x.total === peak)!.anon;
    const p95 = percentile(under, 0.95);
    const final = under.at(-1)!;
    note(
      `  mixed: ${reads.requestsPerSec.toFixed(0)} GETs/s (${(reads.bytesPerSec / MiB).toFixed(0)} MiB/s), ${writes.requestsPerSec.toFixed(0)} writes/s; RSS over ${under.length} samples: peak ${peak.toFixed(1)} MiB (${anonAtPeak.toFixed(1)} anonymous), p95 ${p95.toFixed(1)}, last ${final.toFixed(1)}, after ${SETTLE_MS / 1000} s quiet ${settled.toFixed(1)}`,
    );
    const row = (metric: string, value: number, extra: Partial<Result> = {}): Result => ({
      metric,
      unit: "MiB",
      fazt: [value],
      baseline: [],
      baselineName: "",
      ...extra,
    });
    const minutes = SECONDS % 60 === 0 ? `${SECONDS / 60} min` : `${SECONDS} s`;
    return [
      row(`peak RSS during ${minutes} of mixed static + API-write load`, peak),
      row("  of which anonymous at the peak (RssAnon)", anonAtPeak),
      row("  p95 of the RSS samples", p95),
      row("  RSS at the end of the load", final),
      row(`  RSS after ${SETTLE_MS / 1000} s quiet`, settled),
      {
        metric: "  static GETs during the mixed load",
        unit: "req/s",
        fazt: [reads.requestsPerSec],
        baseline: [],
        baselineName: "",
      },
      {
        metric: "  ds.insert POSTs during the mixed load",
        unit: "req/s",
        fazt: [writes.requestsPerSec],
        baseline: [],
        baselineName: "",
      },
    ];
  } finally {
    await fazt.stop();
    cleanupTemps();
  }
}
