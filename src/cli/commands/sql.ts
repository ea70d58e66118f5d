import { defineCommand } from "citty";
import * as v from "valibot";
import { color, columns, emit } from "../output.ts";
import { connect } from "../peer/index.ts";
import { repeatedFlag } from "../repeated-flag.ts";
import { session } from "../session.ts";

const cell = v.union([v.string(), v.number(), v.null(), v.looseObject({ $bytes: v.number() })]);
const resultSchema = v.looseObject({
  columns: v.array(v.string()),
  rows: v.array(v.array(cell)),
  rowsAffected: v.number(),
  truncated: v.boolean(),
  ms: v.number(),
});
type Cell = v.InferOutput<typeof cell>;

/** A cell on one line of a table: NULL named, bytes counted, line breaks and tabs shown as escapes. */
function show(value: Cell): string {
  if (value === null) return "NULL";
  if (typeof value === "object") return `<${value.$bytes} bytes>`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters would break the table's lines
  return String(value).replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === "\n"
      ? "\\n"
      : c === "\t"
        ? "\\t"
        : c === "\r"
          ? "\\r"
          : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

export default defineCommand({
  meta: {
    name: "sql",
    description:
      "Run one SQL statement on the instance's database (owner only; read-only unless --write; at most 1,000 rows, 5 s)",
  },
  args: {
    query: { type: "positional", description: "The statement", valueHint: "QUERY", required: true },
    write: { type: "boolean", description: "Allow the statement to change the database" },
    param: {
      type: "string",
      description: "A value for the next ? in the statement, as text (repeat for more)",
      valueHint: "VALUE",
    },
  },
  async run({ args, rawArgs }) {
    const s = session();
    const client = await connect();
    const params = repeatedFlag(rawArgs, "param");
    const body: Record<string, unknown> = { query: args.query };
    if (params.length > 0) body.params = params;
    if (args.write) body.write = true;
    // The server stops a query after 5 s; its own start and the answer's travel get the rest.
    const result = await client.call("POST", "/api/sql", resultSchema, { json: body, timeoutMs: 60_000 });
    emit(s.globals.format, result, () => {
      const lines: string[] = [];
      if (result.columns.length > 0) {
        lines.push(
          columns(
            result.columns,
            result.rows.map((r) => r.map(show)),
          ),
        );
        const n = result.rows.length;
        const note = result.truncated ? ` (truncated: the first ${n} are shown)` : "";
        lines.push(color.dim(`${n} row${n === 1 ? "" : "s"}${note}`));
      }
      if (args.write)
        lines.push(`${result.rowsAffected} row${result.rowsAffected === 1 ? "" : "s"} affected`);
      if (lines.length === 0) lines.push("done");
      return lines.join("\n");
    });
  },
});
