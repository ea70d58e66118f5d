/** What /proc says about the machine and a process tree: load, resident memory. */
import { readdirSync, readFileSync } from "node:fs";

/** The load average (1, 5, 15 minutes) as /proc/loadavg has it, e.g. "1.20 0.80 0.45". */
export function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

function vmRssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // gone meanwhile
  }
}

/** Child processes of `pid`, from /proc/PID/task/TID/children (every thread may have forked). */
function childPids(pid: number): number[] {
  const kids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return kids;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (text) kids.push(...text.split(/\s+/).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return kids;
}

/**
 * Resident memory of a process and all its descendants, in KiB: the sum of
 * their VmRSS. A process's VmRSS already covers all its threads (Fazt's
 * runtime workers and listeners are threads), so this adds only real child
 * processes. Pages shared between processes are counted once per process.
 */
export function processTreeRssKiB(pid: number): number {
  let total = 0;
  const seen = new Set<number>();
  const queue = [pid];
  for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
    if (seen.has(p)) continue;
    seen.add(p);
    total += vmRssKiB(p);
    queue.push(...childPids(p));
  }
  return total;
}
