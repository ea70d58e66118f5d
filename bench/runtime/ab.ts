#!/usr/bin/env bun
/**
 * Two Fazt binaries side by side on the app-code scenarios, interleaved, with
 * the bare Bun.serve baseline of bench/runtime (baseline.ts) in the same
 * rounds: `bun bench/runtime/ab.ts OLD_BINARY NEW_BINARY [ROUNDS]`.
 *
 * For each scenario and round, each server in turn (the order rotates per
 * round) gets a 1 s warm-up and a BENCH_SECONDS (3) wrk run, -t2 -c64; the
 * table gives req/s and the server's CPU per request (user + system of the
 * whole process, from /proc, so other work on the machine moves it less than
 * the req/s figure). `BENCH_FIND=0` skips the 100,000-document find scenario
 * (its seeding takes a while).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupTemps, ensureCommands, freePort, median, type Server, startServer, tempDir } from "../lib.ts";
import { type Api, deploy } from "../static/deploy.ts";
import { startFazt } from "../static/servers.ts";
import { wrk } from "../static/wrk.ts";
import { FIND, FIND_DOCS, HELLO, INSERT } from "./apps.ts";

const [oldBin, newBin, roundsArg] = process.argv.slice(2);
if (!oldBin || !newBin) {
  console.error("usage: bun bench/runtime/ab.ts OLD_BINARY NEW_BINARY [ROUNDS]");
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const withFind = process.env.BENCH_FIND !== "0";

/** user + system CPU seconds of a process (all its threads). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const tools = ensureCommands({ wrk: ["wrk"] });
const tmp = tempDir("fazt-bench-ab-");
const servers: Server[] = [];
try {
  const lua = join(tmp, "post.lua");
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.body = '{"a":1}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const faztServers: Record<string, { port: number; pid: number }> = {};
  for (const [label, bin] of [
    ["old", oldBin],
    ["new", newBin],
  ] as const) {
    const fazt = await startFazt(bin, join(tmp, label));
    servers.push(fazt);
    const api: Api = { base: `http://127.0.0.1:${fazt.port}`, token: fazt.token };
    await deploy(api, "app", HELLO);
    await deploy(api, "items", INSERT);
    if (withFind) {
      await deploy(api, "finder", FIND);
      for (let from = 0; from < FIND_DOCS; from += 2000) {
        const res = await fetch(`${api.base}/api/seed?from=${from}&to=${from + 2000}`, {
          method: "POST",
          headers: { host: "finder.localhost" },
        });
        if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      }
    }
    faztServers[label] = { port: fazt.port, pid: fazt.pid };
  }
  const bareDir = join(tmp, "bare");
  mkdirSync(bareDir);
  const barePort = freePort();
  const bare = await startServer(
    [process.execPath, join(import.meta.dir, "baseline.ts"), String(barePort), join(bareDir, "bare.db")],
    { port: barePort, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, cwd: bareDir },
  );
  servers.push(bare);
  const who = {
    old: { ...faztServers.old!, fazt: true },
    new: { ...faztServers.new!, fazt: true },
    bun: { port: bare.port, pid: bare.pid, fazt: false },
  };
  const scenarios = [
    { name: "hello", host: "app.localhost", path: "/api/hello", script: undefined },
    { name: "insert", host: "items.localhost", path: "/api/items", script: lua },
    ...(withFind
      ? [{ name: "find", host: "finder.localhost", path: "/api/find?k=42", script: undefined }]
      : []),
  ];
  const rps: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const order = (["old", "new", "bun"] as const).map((_, i, a) => a[(i + round) % a.length]!);
    for (const s of scenarios) {
      const line: string[] = [];
      for (const w of order) {
        const server = who[w];
        const opts = {
          url: `http://127.0.0.1:${server.port}${s.path}`,
          host: server.fazt ? s.host : "localhost",
          threads: 2,
          connections: 64,
          script: s.script,
        };
        await wrk(tools.wrk, { ...opts, seconds: 1 }, 1);
        const c0 = cpuSeconds(server.pid);
        const r = await wrk(tools.wrk, { ...opts, seconds: SECONDS }, 1);
        const usPerReq = ((cpuSeconds(server.pid) - c0) * 1e6) / r.requests;
        const key = `${s.name} ${w}`;
        rps[key] = [...(rps[key] ?? []), r.requestsPerSec];
        cpu[key] = [...(cpu[key] ?? []), usPerReq];
        line.push(`${w} ${r.requestsPerSec.toFixed(0)} req/s ${usPerReq.toFixed(0)} µs CPU/req`);
      }
      console.error(`round ${round + 1} ${s.name}: ${line.join(" | ")}`);
    }
  }
  console.log(
    "\nscenario  server  req/s (median)  CPU µs/req (median)  ratio to Bun.serve (per-round median)",
  );
  for (const s of scenarios) {
    for (const w of ["old", "new", "bun"] as const) {
      const key = `${s.name} ${w}`;
      const ratios = rps[key]!.map((x, i) => x / rps[`${s.name} bun`]![i]!);
      console.log(
        `${s.name.padEnd(8)}  ${w.padEnd(6)}  ${median(rps[key]!).toFixed(0).padStart(14)}  ${median(cpu[key]!).toFixed(1).padStart(19)}  ${median(ratios).toFixed(2)}× [${ratios.map((r) => r.toFixed(2)).join(" ")}]`,
      );
    }
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`load average at the end: ${load}`);
} finally {
  for (const s of servers.reverse()) await s.stop();
  cleanupTemps();
}
