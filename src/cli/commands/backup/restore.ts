import { defineCommand } from "citty";
import { isPostgresUrl, resolveDatabaseTarget } from "../../../db/index.ts";
import { restoreBackup } from "../../../ops/index.ts";
import { color, emit } from "../../output.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: {
    name: "restore",
    description:
      "Replace the database with a backup (checked first; the current one is snapshotted). Stop the server first",
  },
  args: {
    file: { type: "positional", description: "The backup to restore", valueHint: "FILE", required: true },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("backup restore");
    // A postgres:// target (--db or FAZT_DATABASE_URL) is refused by restoreBackup with the command to use.
    const target = resolveDatabaseTarget(s.globals.db);
    const result = await restoreBackup(isPostgresUrl(target) ? target : s.dbPath, args.file);
    emit(s.globals.format, result, () =>
      [
        `${color.bold("restored")} ${result.restoredFrom} into ${result.database} (schema ${result.schema})`,
        result.snapshot
          ? color.dim(`  the previous database was saved as ${result.snapshot.file}`)
          : color.dim("  there was no previous database"),
      ].join("\n"),
    );
  },
});
