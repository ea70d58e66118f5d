/**
 * Where the server's database is, as a PostgreSQL URL: `--database`,
 * `FAZT_DATABASE_URL`, `--db URL`. Its password is never printed, not even
 * when the database cannot be reached. (Two nodes serving from one
 * PostgreSQL database: tests/e2e/nodes.test.ts.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fazt } from "../helpers/cli.ts";
import { cleanupTemp, freePort, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

const SECRET = "s3cret-pw";
// Nothing listens there: the connection is refused at once.
const url = () => `postgres://fazt:${SECRET}@127.0.0.1:${freePort()}/fazt`;

describe("a PostgreSQL URL for the database", () => {
  const cases: Array<[string, (u: string) => { args: string[]; env?: Record<string, string> }]> = [
    [
      "server start --database URL",
      (u) => ({ args: ["server", "start", "--database", u, "--port", String(freePort())] }),
    ],
    ["server init --database URL", (u) => ({ args: ["server", "init", "--database", u] })],
    ["FAZT_DATABASE_URL", (u) => ({ args: ["server", "init"], env: { FAZT_DATABASE_URL: u } })],
    ["--db URL", (u) => ({ args: ["--db", u, "server", "init"] })],
  ];
  for (const [name, make] of cases) {
    test(`${name}: an unreachable server is a clear error naming the URL without its password`, async () => {
      const home = tempDir();
      const u = url();
      const { args, env } = make(u);
      const r = await fazt(args, { home, ...(env ? { env } : {}) });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(u.replace(`:${SECRET}@`, "@"));
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      // It went to PostgreSQL: no SQLite file was made instead.
      expect(existsSync(join(home, ".fazt", "data.db"))).toBe(false);
    });
  }
});
