import { defineCommand } from "citty";
import { backupDir, listBackups } from "../../../ops/index.ts";
import { color, columns, emit, when } from "../../output.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";

export default defineCommand({
  meta: { name: "list", description: "List the snapshots in the backups folder, newest first" },
  run() {
    const s = session();
    s.localOnly("backup list");
    const backups = listBackups(s.dbPath);
    emit(s.globals.format, backups, () =>
      backups.length === 0
        ? color.dim(`no backups in ${backupDir(s.dbPath)} (make one with \`fazt backup create\`)`)
        : columns(
            ["CREATED", "SIZE", "REASON", "FILE"],
            backups.map((b) => [when(b.createdAt), humanBytes(b.bytes), b.reason ?? "manual", b.file]),
          ),
    );
  },
});
