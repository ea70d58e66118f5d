import { defineCommand } from "citty";
import { emit, table, when } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";
import { versionLabel } from "./view.ts";

export default defineCommand({
  meta: { name: "info", description: "Show an app and its current version" },
  args: { name: { type: "positional", description: "The app", valueHint: "NAME", required: true } },
  async run({ args }) {
    const s = session();
    const app = await api.getApp(await connect(), args.name);
    const v = app.version;
    emit(s.globals.format, app, () =>
      table([
        ["name", app.name],
        ["id", app.id],
        ["url", app.url],
        ["spa", app.spa ? "yes" : "no"],
        ["api", app.hasApi === undefined ? undefined : app.hasApi ? "yes" : "no"],
        ["aliases", app.aliases.length ? app.aliases.join(", ") : undefined],
        ["version", v ? versionLabel(v) : "none"],
        ["files", v?.files],
        ["size", v ? humanBytes(v.bytes) : undefined],
        ["deployed", v ? when(v.createdAt) : undefined],
        ["message", v?.message ?? undefined],
        ["kept versions", app.keptVersions],
        ["created", when(app.createdAt)],
      ]),
    );
  },
});
