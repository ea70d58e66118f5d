import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";

/**
 * True when tests run under CI (`CI` set to anything but "", "0" or "false"):
 * there a missing tool is a broken runner, not a reason to skip.
 */
export function underCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * Whether an external tool a test needs is here. `cmd` is a command looked up
 * on PATH, or an absolute path (a sysroot, a data file) that must exist.
 * Returns true when present. When missing: throws under CI, so the test file
 * fails with a clear message instead of silently skipping; on a developer
 * machine returns false so the caller can skip (`describe.skipIf(!requireTool(…))`).
 * `why` says what the tool is for and how to install it.
 */
export function requireTool(cmd: string, why: string): boolean {
  const present = isAbsolute(cmd) ? existsSync(cmd) : Bun.which(cmd) !== null;
  if (present) return true;
  if (underCI()) throw new Error(`${cmd} is missing, and CI must run these tests: ${why}`);
  return false;
}
