import { defineCommand } from "citty";
import { createBackup } from "../../../ops/index.ts";
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
    const store = await s.openStore({ create: false });
    const backup = createBackup(store, args.file);
    emit(
      s.globals.format,
      backup,
      () => `${color.bold("backup created")}: ${backup.file} (${humanBytes(backup.bytes)})`,
    );
  },
});
