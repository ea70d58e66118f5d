/**
 * The runtime bench's disturbed runs: app A spinning in `while (true)` (each
 * request cut at its time limit with a 504) while app B is measured.
 *
 * B's latency while A spins on every worker: wrk with a few connections
 * (-t1 -c4 --latency) on B's hello-JSON handler, the 99th percentile, while
 * A keeps as many requests in flight as it may use workers, plus two more
 * waiting in its queue; against B's own figure undisturbed in the same round
 * (goal: ≤ 50 ms). The pool lets one app use all base workers but one and
 * keeps spares for others (src/runtime/pool.ts), so B's requests never wait
 * behind A's.
 */
import { note } from "../lib.ts";
import { wrk } from "../static/wrk.ts";

/** Workers one app may use at once: the pool's `perApp` (defaultPoolSize in src/runtime/pool.ts). */
const workersPerApp = () => Math.max(1, Math.min(4, navigator.hardwareConcurrency) - 1);

/** App B's endpoint: where, and the size of its probed answer (headers included). */
export interface LatencyTarget {
  port: number;
  host: string;
  path: string;
  bytes: number;
}

async function p99(bin: string, t: LatencyTarget, seconds: number): Promise<number> {
  const opts = {
    url: `http://127.0.0.1:${t.port}${t.path}`,
    host: t.host,
    threads: 1,
    connections: 4,
    latency: true,
  };
  const [min, max] = [t.bytes * 0.97, t.bytes * 1.03];
  await wrk(bin, { ...opts, seconds: 1 }, min, max);
  const r = await wrk(bin, { ...opts, seconds }, min, max);
  if (r.latencyP99Ms === undefined) throw new Error("wrk printed no latency distribution");
  return r.latencyP99Ms;
}

/**
 * One round: B's p99 undisturbed and while A spins, in the given order, each
 * after a quiet second. `spinHost`: app A, whose every request spins.
 */
export async function latencyRound(
  bin: string,
  b: LatencyTarget,
  spinHost: string,
  seconds: number,
  spinFirst: boolean,
): Promise<{ calm: number; spin: number }> {
  const out = { calm: 0, spin: 0 };
  const clients = workersPerApp() + 2;
  for (const phase of spinFirst ? (["spin", "calm"] as const) : (["calm", "spin"] as const)) {
    await Bun.sleep(1000);
    if (phase === "calm") {
      out.calm = await p99(bin, b, seconds);
      continue;
    }
    const spin = spinner(b.port, spinHost, clients);
    // Let A's requests reach their workers and start spinning.
    await Bun.sleep(500);
    out.spin = await p99(bin, b, seconds);
    const answered = await spin.stop();
    note(
      `    B's p99 while A spun with ${clients} requests in flight: ${out.spin.toFixed(2)} ms (A: ${answered})`,
    );
  }
  return out;
}

/**
 * Keeps `clients` requests to the spinning app in flight until stopped; each
 * is cut by Fazt at its time limit. Anything but a 504 is a failure.
 */
export function spinner(port: number, host: string, clients: number) {
  let running = true;
  const statuses = new Map<number, number>();
  const errors: string[] = [];
  const loop = async () => {
    while (running) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/spin`, {
          headers: { host },
          signal: AbortSignal.timeout(60_000),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch (e) {
        errors.push(String(e));
        await Bun.sleep(100);
      }
    }
  };
  const loops = Promise.all(Array.from({ length: clients }, loop));
  return {
    /** Stops asking and waits for the requests in flight; returns how they were answered. */
    async stop(): Promise<string> {
      running = false;
      await loops;
      const odd = [...statuses].filter(([s]) => s !== 504);
      if (errors.length > 0 || odd.length > 0) {
        throw new Error(
          `the spinning app answered ${odd.map(([s, n]) => `${n}× ${s}`).join(", ") || "only 504"}; errors: ${errors.slice(0, 3).join("; ")}`,
        );
      }
      return `${statuses.get(504) ?? 0}× 504`;
    },
  };
}

/** Fazt's CPU time (user + system, all threads) in seconds, from /proc/<pid>/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the state field; in clock ticks (100/s).
  return (Number(f[11]) + Number(f[12])) / 100;
}
