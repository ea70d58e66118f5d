/**
 * `bun run test`: the whole suite once (SQLite), then the suites whose data
 * goes through the engine a second time on PostgreSQL (`FAZT_TEST_ENGINE=postgres`,
 * tests/helpers/engine.ts), then the combined totals in `bun test`'s own
 * format, last, so `.ci/run`'s "N passed, N failed" line covers both runs.
 *
 * With arguments (`bun run test tests/x.test.ts`) it is plain `bun test`.
 */
import { postgresAvailable } from "../tests/helpers/postgres.ts";

const POSTGRES_SUITES = ["tests/storage", "tests/deploy", "tests/auth", "tests/runtime"];
const BASE = ["test", "--timeout", "60000"];

interface Totals {
  pass: number;
  fail: number;
  skip: number;
  code: number;
}

/** Runs `bun test`, echoing its output as it comes, and reads its summary lines. */
async function bunTest(args: string[], env: Record<string, string | undefined>): Promise<Totals> {
  const proc = Bun.spawn([process.execPath, ...BASE, ...args], {
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const pump = async (from: ReadableStream<Uint8Array>, to: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of from) {
      to.write(chunk);
      text += decoder.decode(chunk, { stream: true });
    }
  };
  await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
  const code = await proc.exited;
  const last = (word: string) => {
    const all = [...text.matchAll(new RegExp(`^ *(\\d+) ${word}$`, "gm"))];
    return Number(all.at(-1)?.[1] ?? 0);
  };
  return { pass: last("pass"), fail: last("fail"), skip: last("skip"), code };
}

const args = process.argv.slice(2);
if (args.length > 0) {
  const only = await bunTest(args, {});
  process.exit(only.code);
}

const sqlite = await bunTest([], { FAZT_TEST_ENGINE: "sqlite" });
// Under CI a missing PostgreSQL is a failure (postgresAvailable throws); on a
// developer machine without it the second pass is left out, and said so.
let postgres: Totals = { pass: 0, fail: 0, skip: 0, code: 0 };
if (postgresAvailable()) {
  console.error(`\n== again on PostgreSQL: ${POSTGRES_SUITES.join(" ")}\n`);
  postgres = await bunTest(POSTGRES_SUITES, { FAZT_TEST_ENGINE: "postgres" });
} else {
  console.error(
    "\n== PostgreSQL not found: its pass is left out (Debian: apt-get install postgresql, or set FAZT_TEST_PG_URL)\n",
  );
}
// A run that died before its summary still counts as a failure.
const failed =
  sqlite.fail +
  postgres.fail +
  (sqlite.code && !sqlite.fail ? 1 : 0) +
  (postgres.code && !postgres.fail ? 1 : 0);
console.error(
  `\n== both runs: SQLite ${sqlite.pass} pass / ${sqlite.fail} fail, PostgreSQL ${postgres.pass} pass / ${postgres.fail} fail\n` +
    ` ${sqlite.pass + postgres.pass} pass\n` +
    (sqlite.skip + postgres.skip > 0 ? ` ${sqlite.skip + postgres.skip} skip\n` : "") +
    ` ${failed} fail`,
);
process.exit(sqlite.code || postgres.code ? 1 : 0);
