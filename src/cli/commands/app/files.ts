import { defineCommand } from "citty";
import { columns, emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";

export default defineCommand({
  meta: { name: "files", description: "List the files of an app's current version" },
  args: { name: { type: "positional", description: "The app", valueHint: "NAME", required: true } },
  async run({ args }) {
    const s = session();
    const files = await api.files(await connect(), args.name);
    emit(s.globals.format, files, () =>
      columns(
        ["PATH", "SIZE", "SHA256", "TYPE"],
        files.map((f) => [f.path, humanBytes(f.size), f.sha256.slice(0, 12), f.mime]),
      ),
    );
  },
});
