import { defineCommand } from "citty";
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
    const result = await restoreBackup(s.dbPath, args.file);
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
