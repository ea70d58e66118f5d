import { defineCommand } from "citty";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";
import { pullApp } from "../../transfer/pull.ts";

export default defineCommand({
  meta: { name: "pull", description: "Download an app's current files into a folder" },
  args: {
    name: { type: "positional", description: "The app", valueHint: "NAME", required: true },
    out: {
      type: "string",
      description: "Folder to write (default ./NAME; must be empty or missing)",
      valueHint: "DIR",
    },
  },
  async run({ args }) {
    const s = session();
    const client = await connect();
    // Asking for the app first gives "no app NAME" rather than an empty folder.
    const app = await api.getApp(client, args.name);
    const result = await pullApp(client, app.name, args.out ?? app.name);
    emit(
      s.globals.format,
      { app: app.name, version: app.version?.id ?? null, ...result },
      () => `pulled ${app.name} (${result.files} files, ${humanBytes(result.bytes)}) into ${result.out}`,
    );
  },
});
