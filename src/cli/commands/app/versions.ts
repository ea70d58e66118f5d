import { defineCommand } from "citty";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { versionsTable } from "./view.ts";

export default defineCommand({
  meta: { name: "versions", description: "List an app's kept versions, newest first (* = current)" },
  args: { name: { type: "positional", description: "The app", valueHint: "NAME", required: true } },
  async run({ args }) {
    const s = session();
    const versions = await api.versions(await connect(), args.name);
    emit(s.globals.format, versions, () => versionsTable(versions));
  },
});
