import { defineCommand } from "citty";
import { FaztError } from "../../../core/index.ts";
import {
  copyDatabase,
  type Engine,
  openEngine,
  redactUrl,
  resolveDatabaseTarget,
} from "../../../db/index.ts";
import { color, columns, emit } from "../../output.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: {
    name: "copy",
    description:
      "Copy every table from one database to another (a file path or postgres://…), then check them row for row. Stop the servers on the source first",
  },
  args: {
    from: {
      type: "string",
      description: "The database to read: a SQLite file or postgres://…",
      valueHint: "PATH|URL",
      required: true,
    },
    to: {
      type: "string",
      description: "The database to write (created and migrated if needed)",
      valueHint: "PATH|URL",
      required: true,
    },
    force: { type: "boolean", description: "Replace the target's contents when it is not empty" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("db copy");
    const from = resolveDatabaseTarget(args.from);
    const to = resolveDatabaseTarget(args.to);
    if (redactUrl(from) === redactUrl(to))
      throw new FaztError("USAGE", "--from and --to are the same database");
    const opened: Engine[] = [];
    try {
      const source = await openEngine(from, { create: false });
      opened.push(source);
      const target = await openEngine(to);
      opened.push(target);
      const result = copyDatabase(source, target, { force: args.force === true });
      emit(s.globals.format, result, () =>
        [
          columns(
            ["TABLE", "SOURCE", "TARGET", "CHECK"],
            result.tables.map((t) => [t.table, t.source, t.target, t.ok ? "ok" : "MISMATCH"]),
          ),
          "",
          result.ok
            ? `${color.bold("copied")} ${result.rows} rows from ${result.from} to ${result.to}; every table checked`
            : `${color.bold("MISMATCH")} between ${result.from} and ${result.to}`,
        ].join("\n"),
      );
      if (!result.ok) {
        const bad = result.tables.filter((t) => !t.ok).map((t) => t.table);
        throw new FaztError(
          "INTERNAL",
          `the copy does not match its source in: ${bad.join(", ")} (was the source written to meanwhile?)`,
        );
      }
    } finally {
      for (const e of opened) e.close();
    }
  },
});
