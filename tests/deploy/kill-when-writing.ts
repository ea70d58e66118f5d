/**
 * Test helper (crash.test.ts): SIGKILLs a server while it is inside a SQLite
 * write transaction. Spins on /proc/locks (a tight loop sees even a few
 * milliseconds' transaction) for the WAL write lock, byte 120 of `-shm`, held
 * by PID; after seeing it SKIP more times, kills. If the lock is released
 * first (the commit), kills at once and says so. Prints one line: "inside",
 * "after-commit" or "timeout". Arguments: PID SHM_INODE SKIP TIMEOUT_MS.
 */
import { readFileSync } from "node:fs";

const [pid, inode, skip, timeoutMs] = process.argv.slice(2).map(Number) as [number, number, number, number];
const lock = new RegExp(
  `^\\d+:\\s+POSIX\\s+ADVISORY\\s+WRITE\\s+${pid}\\s+[0-9a-f]+:[0-9a-f]+:${inode}\\s+120\\s+120\\s*$`,
  "m",
);
console.log("watching");
const end = Date.now() + timeoutMs;
let seen = 0;
let outcome = "timeout";
while (Date.now() < end) {
  const held = lock.test(readFileSync("/proc/locks", "utf8"));
  if (held && seen++ >= skip) {
    outcome = "inside";
    break;
  }
  if (!held && seen > 0) {
    outcome = "after-commit";
    break;
  }
}
if (outcome !== "timeout") process.kill(pid, "SIGKILL");
console.log(outcome);
