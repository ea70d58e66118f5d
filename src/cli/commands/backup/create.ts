import { defineCommand } from "citty";
import { isPostgresUrl, openEngine, resolveDatabaseTarget } from "../../../db/index.ts";
import { type BackupInfo, createBackup } from "../../../ops/index.ts";
import { color, emit } from "../../output.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";

export default defineCommand({
  meta: {
    name: "create",
    description: "Snapshot the database (safe while the server runs); default: the backups folder next to it",
  },
  args: {
    file: {
      type: "positional",
      description: "Where to write it (must not exist)",
      valueHint: "FILE",
      required: false,
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("backup create");
    const target = resolveDatabaseTarget(s.globals.db);
    let backup: BackupInfo;
    if (isPostgresUrl(target)) {
      // PostgreSQL (--db or FAZT_DATABASE_URL): a portable SQLite snapshot of it.
      const engine = await openEngine(target);
      try {
        backup = createBackup({ engine, path: target }, args.file);
      } finally {
        engine.close();
      }
    } else {
      backup = createBackup(await s.openStore({ create: false }), args.file);
    }
    emit(
      s.globals.format,
      backup,
      () => `${color.bold("backup created")}: ${backup.file} (${humanBytes(backup.bytes)})`,
    );
  },
});
