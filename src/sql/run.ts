/**
 * The SQL console (`POST /api/sql`, `fazt sql`): one statement against the
 * instance's database, read-only unless asked to write, at most 1,000 rows,
 * stopped after 5 s.
 *
 * Why a process per query: bun:sqlite exposes neither `sqlite3_interrupt` nor
 * a progress handler, and a Worker cannot be stopped while it is inside
 * SQLite (`terminate()` waits for JavaScript to run again; a recursive CTE
 * never returns to it — tried). A process can be killed at any instruction,
 * and SQLite is built for exactly that: a killed reader changes nothing, a
 * killed writer's transaction is rolled back from the journal and its locks
 * go with the process. So both reads and writes get a real 5 s limit, and a
 * query that exhausts memory takes down only its own process.
 * The child is this same program (the binary, or `bun src/main.ts` from
 * source) started with a hidden first argument; see child.ts.
 */
import { fileURLToPath } from "node:url";
import { FaztError, isCompiled } from "../core/index.ts";
import { isPostgresUrl } from "../db/index.ts";
import type { ChildRequest, SqlResult } from "./child.ts";

/** The hidden first argument that makes `fazt` the query process instead of the CLI. */
export const SQL_CHILD_ARG = "__fazt-sql-query";
export const SQL_MAX_ROWS = 1000;
export const SQL_TIMEOUT_MS = 5000;
/** Rows past this much JSON are cut too (`truncated`): 1,000 rows of 1 MiB documents stay off the wire. */
const MAX_RESULT_BYTES = 8 * 1024 * 1024;
/** The process must be ready to run the statement within this; the 5 s count from then. */
const START_TIMEOUT_MS = 30_000;
/** Queries running at once; more are refused (each is a process, and this may be a Raspberry Pi). */
const MAX_RUNNING = 2;

let running = 0;

export interface SqlInput {
  query: string;
  params?: Array<string | number | boolean | null> | undefined;
  write?: boolean | undefined;
}

export type { SqlResult };

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

function childCommand(): string[] {
  return isCompiled ? [process.execPath, SQL_CHILD_ARG] : [process.execPath, MAIN, SQL_CHILD_ARG];
}

/**
 * Runs one statement on the database at `dbPath`: a SQLite file, in its own
 * process (see above), or a postgres:// URL, held by PostgreSQL (postgres.ts).
 */
export async function runSql(
  dbPath: string,
  input: SqlInput,
  timeoutMs = SQL_TIMEOUT_MS,
): Promise<SqlResult> {
  if (running >= MAX_RUNNING) {
    throw new FaztError(
      "UNAVAILABLE",
      `${MAX_RUNNING} queries are running already: try again when one ends`,
      {
        headers: { "retry-after": "1" },
      },
    );
  }
  running++;
  try {
    if (!isPostgresUrl(dbPath)) return await inChild(dbPath, input, timeoutMs);
    const { runPostgresSql } = await import("./postgres.ts");
    return await runPostgresSql(dbPath, {
      query: input.query,
      params: input.params ?? [],
      write: input.write === true,
      maxRows: SQL_MAX_ROWS,
      maxBytes: MAX_RESULT_BYTES,
      timeoutMs,
    });
  } finally {
    running--;
  }
}

async function inChild(dbPath: string, input: SqlInput, timeoutMs: number): Promise<SqlResult> {
  const request: ChildRequest = {
    path: dbPath,
    query: input.query,
    params: input.params ?? [],
    write: input.write === true,
    maxRows: SQL_MAX_ROWS,
    maxBytes: MAX_RESULT_BYTES,
  };
  const proc = Bun.spawn(childCommand(), {
    stdin: new TextEncoder().encode(JSON.stringify(request)),
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
  });
  let stopped: "start" | "limit" | null = null;
  const kill = (why: "start" | "limit") => {
    stopped ??= why;
    proc.kill("SIGKILL");
  };
  let limit: ReturnType<typeof setTimeout> | undefined;
  const startup = setTimeout(() => kill("start"), START_TIMEOUT_MS);
  // The child says "ready" on stderr just before it runs the statement: the limit counts from there,
  // so a slow start on a busy machine does not eat into the query's 5 s.
  const stderr = (async () => {
    let text = "";
    const decoder = new TextDecoder();
    const reader = proc.stderr.getReader();
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      if (limit === undefined) {
        clearTimeout(startup);
        limit = setTimeout(() => kill("limit"), timeoutMs);
      }
      if (text.length < 4096) text += decoder.decode(chunk, { stream: true });
    }
    return text;
  })();
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), stderr, proc.exited]);
  clearTimeout(startup);
  clearTimeout(limit);
  if (stopped === "limit") {
    throw new FaztError(
      "TIMEOUT",
      `the query ran for more than ${timeoutMs / 1000} s and was stopped; it changed nothing`,
    );
  }
  let answer: { data?: SqlResult; error?: { code: string; message: string } } | undefined;
  try {
    answer = JSON.parse(out);
  } catch {
    answer = undefined;
  }
  if (answer?.data) return answer.data;
  if (answer?.error) {
    const { code: errorCode, message } = answer.error;
    throw new FaztError(
      errorCode === "READ_ONLY" || errorCode === "INTERNAL" ? errorCode : "BAD_REQUEST",
      message,
    );
  }
  const why = stopped === "start" ? "did not start" : `ended with code ${code}`;
  const said = err
    .replace(/^ready\n/, "")
    .trim()
    .split("\n")
    .slice(-1)[0];
  throw new FaztError("INTERNAL", `the query process ${why}${said ? `: ${said}` : ""}`);
}
