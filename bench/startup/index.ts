/**
 * Start-up time and idle memory of `fazt server start` against a hello-world
 * Bun.serve compiled the same way, in interleaved rounds of one run.
 *
 * Start-up: from just before spawn to the first 200 on /health (polled every
 * 5 ms). Idle RSS: VmRSS after a few requests and ~1 s of quiet.
 * BENCH_ROUNDS=N changes the number of rounds (default 15; one extra warm-up
 * round is run first and not counted).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  cleanupTemps,
  compile,
  faztBinary,
  freePort,
  note,
  type Result,
  startServer,
  tempDir,
} from "../lib.ts";
import { seed } from "./seed.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REQUESTS_BEFORE_IDLE = 5;
const IDLE_MS = 1000;

interface Sample {
  startupMs: number;
  rss: number;
  anon: number;
  file: number;
}

export async function run(): Promise<Result[]> {
  const fazt = faztBinary();
  const hello = compile(join(import.meta.dir, "hello.ts"), `hello-bun${Bun.version}-linux-x64`);
  const tmp = tempDir("fazt-bench-startup-");
  try {
    const home = join(tmp, "home");
    mkdirSync(home);
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };

    const baseDb = join(tmp, "base.db");
    const init = Bun.spawnSync([fazt, "server", "init", "--db", baseDb, "--password", "bench-password-1"], {
      cwd: home,
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    if (init.exitCode !== 0) throw new Error(`fazt server init failed:\n${init.stderr}${init.stdout}`);
    const seeded = seed(baseDb);
    note(
      `startup: ${seeded.apps} apps, ${seeded.versions} versions, ${seeded.files} files, ${seeded.blobs} blobs; ${ROUNDS} rounds + 1 warm-up`,
    );

    let dbs = 0;
    const subjects = {
      fazt: (port: number) => {
        const db = join(tmp, `round-${dbs++}.db`);
        copyFileSync(baseDb, db);
        return [fazt, "server", "start", "--listen", "127.0.0.1", "--port", String(port), "--db", db];
      },
      hello: (port: number) => [hello, String(port)],
    };

    const measure = async (cmd: (port: number) => string[]): Promise<Sample> => {
      const port = freePort();
      const server = await startServer(cmd(port), { port, env, cwd: home, pollMs: 5 });
      try {
        for (let i = 0; i < REQUESTS_BEFORE_IDLE; i++) await (await server.get("/health")).arrayBuffer();
        await Bun.sleep(IDLE_MS);
        const mib = (f: "VmRSS" | "RssAnon" | "RssFile") => server.rssKiB(f) / 1024;
        return { startupMs: server.startupMs, rss: mib("VmRSS"), anon: mib("RssAnon"), file: mib("RssFile") };
      } finally {
        await server.stop();
      }
    };

    const samples = { fazt: [] as Sample[], hello: [] as Sample[] };
    for (let round = 0; round <= ROUNDS; round++) {
      const f = await measure(subjects.fazt);
      const h = await measure(subjects.hello);
      const line = (s: Sample) => `${s.startupMs.toFixed(1)} ms ${s.rss.toFixed(1)} MiB`;
      note(`  ${round === 0 ? "warm-up" : `round ${round}`}: fazt ${line(f)} | hello ${line(h)}`);
      if (round === 0) continue;
      samples.fazt.push(f);
      samples.hello.push(h);
    }

    const pick = (k: keyof Sample) => ({
      fazt: samples.fazt.map((s) => s[k]),
      baseline: samples.hello.map((s) => s[k]),
      baselineName: "hello",
    });
    return [
      { metric: "start-up (spawn → /health 200)", unit: "ms", ...pick("startupMs"), maxRatio: 1.5 },
      { metric: "idle RSS (VmRSS)", unit: "MiB", ...pick("rss"), maxRatio: 1.5 },
      { metric: "  of which anonymous (RssAnon)", unit: "MiB", ...pick("anon") },
      { metric: "  of which file-backed (RssFile)", unit: "MiB", ...pick("file") },
    ];
  } finally {
    cleanupTemps();
  }
}
