/**
 * The SQL console on PostgreSQL: the same contract as on SQLite (run.ts) —
 * one statement, read-only unless asked, at most 1,000 rows, 5 s — held by
 * PostgreSQL instead of a process of its own:
 * - a connection of its own per query, started read-only
 *   (`default_transaction_read_only`) with `statement_timeout`, so the
 *   server itself refuses writes (SQLSTATE 25006) and stops a long query;
 *   a read runs in a `READ ONLY` transaction, a write in one transaction;
 * - one statement: with parameters PostgreSQL's extended protocol takes only
 *   one; without, the text is read here (`statementCount`) and more than one
 *   is refused before anything is sent;
 * - COPY is refused on a read: `COPY … TO PROGRAM/FILE` runs or writes on
 *   the database server even in a read-only transaction.
 */
import { SQL } from "bun";
import { FaztError } from "../core/index.ts";
import { redactUrl } from "../db/index.ts";
import type { SqlResult } from "./child.ts";
import { renderRow } from "./values.ts";

/**
 * How many statements `text` holds, as PostgreSQL's lexer splits it: `;`
 * outside strings ('…', E'…' with backslash escapes), quoted identifiers,
 * dollar quotes ($tag$…$tag$) and comments (line comments and nested block comments).
 */
export function statementCount(text: string): number {
  let count = 0;
  let pending = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === "/" && text[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (text[i] === "*" && text[i + 1] === "/") {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (c === ";") {
      if (pending) count++;
      pending = false;
      i++;
      continue;
    }
    if (!/\s/.test(c)) pending = true;
    if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(text[i - 1] ?? "") && !/[A-Za-z0-9_]/.test(text[i - 2] ?? "");
      i++;
      while (i < n) {
        if (escapes && text[i] === "\\") i += 2;
        else if (text[i] === c && text[i + 1] === c) i += 2;
        else if (text[i] === c) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === "$" && !/[A-Za-z0-9_$]/.test(text[i - 1] ?? "")) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
        continue;
      }
    }
    i++;
  }
  return count + (pending ? 1 : 0);
}

export interface PgSqlRequest {
  query: string;
  params: Array<string | number | boolean | null>;
  write: boolean;
  maxRows: number;
  maxBytes: number;
  timeoutMs: number;
}

function failure(e: unknown, write: boolean): FaztError {
  const code = String((e as { errno?: unknown }).errno ?? "");
  const message = (e as Error).message;
  if (code === "25006" && !write) {
    return new FaztError("READ_ONLY", `PostgreSQL: ${message}: send it with write to run it`);
  }
  if (code === "57014") {
    return new FaztError(
      "TIMEOUT",
      "the query ran for more than its time limit and was stopped; it changed nothing",
    );
  }
  return new FaztError("BAD_REQUEST", `PostgreSQL: ${message}`);
}

export async function runPostgresSql(url: string, req: PgSqlRequest): Promise<SqlResult> {
  const statements = statementCount(req.query);
  if (statements === 0) throw new FaztError("BAD_REQUEST", "the query holds no statement");
  if (statements > 1) {
    throw new FaztError(
      "BAD_REQUEST",
      "send one statement at a time: there is more SQL after the first statement",
    );
  }
  if (!req.write && /^\s*copy\b/i.test(req.query.replace(/^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, ""))) {
    throw new FaztError(
      "READ_ONLY",
      "COPY runs or writes on the database server: send it with write to run it",
    );
  }
  const sql = new SQL({
    url,
    max: 1,
    // int8 as BigInt: rendered as a number within ±2^53, else as its text (values.ts), as on SQLite.
    bigint: true,
    connection: {
      default_transaction_read_only: req.write ? "off" : "on",
      statement_timeout: String(req.timeoutMs),
    },
  } as ConstructorParameters<typeof SQL>[0]);
  const started = performance.now();
  try {
    const result = await sql.begin(req.write ? "READ WRITE" : "READ ONLY", async (tx) => {
      const q = req.params.length > 0 ? tx.unsafe(req.query, req.params) : tx.unsafe(req.query);
      return (await q.values()) as unknown[][] & {
        columns?: { name: string }[];
        count?: number | null;
        command?: string;
      };
    });
    const columns = (result.columns ?? []).map((c) => c.name);
    const rows: SqlResult["rows"] = [];
    let truncated = false;
    let bytes = 0;
    for (const row of result) {
      const cells = renderRow(row);
      const size = JSON.stringify(cells).length;
      if (rows.length >= req.maxRows || bytes + size > req.maxBytes) {
        truncated = true;
        break;
      }
      bytes += size;
      rows.push(cells);
    }
    const changed = ["INSERT", "UPDATE", "DELETE", "MERGE"].includes(result.command ?? "");
    return {
      columns,
      rows,
      rowsAffected: req.write && changed ? Number(result.count ?? 0) : 0,
      truncated,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
  } catch (e) {
    if (e instanceof FaztError) throw e;
    const err = failure(e, req.write);
    if (err.code === "BAD_REQUEST" && /connect|ECONNREFUSED/i.test(err.message)) {
      throw new FaztError("INTERNAL", `cannot reach the database ${redactUrl(url)}`);
    }
    throw err;
  } finally {
    await sql.close();
  }
}
