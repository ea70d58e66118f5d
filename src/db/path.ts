import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** `--db PATH` > `FAZT_DB_PATH` > `~/.fazt/data.db`, the same for every command. */
export function resolveDbPath(
  flag?: string | undefined,
  env: Record<string, string | undefined> = process.env,
): string {
  if (flag) return resolve(flag);
  if (env.FAZT_DB_PATH) return resolve(env.FAZT_DB_PATH);
  const home = env.HOME || homedir();
  return join(home, ".fazt", "data.db");
}
