import { defineCommand } from "citty";
import { color, columns, emit, when } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

/** Seeded by every instance (the welcome page and the not-found page): not what a person deployed. */
const SYSTEM_APPS = new Set(["root", "404"]);

import { humanBytes } from "../../transfer/progress.ts";

export default defineCommand({
  meta: { name: "list", description: "List apps (the system apps root and 404 only with --all)" },
  args: { all: { type: "boolean", description: "Also list the system apps root and 404" } },
  async run({ args }) {
    const s = session();
    const client = await connect();
    const every = await api.listApps(client);
    const apps = args.all ? every : every.filter((a) => !SYSTEM_APPS.has(a.name));
    const hidden = every.length - apps.length;
    const footer = hidden
      ? `\n${color.dim(`${hidden} system app${hidden === 1 ? "" : "s"} (root, 404) not shown: --all lists them`)}`
      : "";
    emit(s.globals.format, apps, () =>
      apps.length === 0
        ? color.dim(`no apps on ${client.name} (deploy one with \`fazt app deploy DIR\`)`) + footer
        : columns(
            ["NAME", "VERSION", "FILES", "SIZE", "UPDATED", "URL"],
            apps.map((a) => [
              a.name,
              a.version ? `#${a.version.seq}` : null,
              a.version?.files,
              a.version ? humanBytes(a.version.bytes) : null,
              when(a.updatedAt),
              a.url,
            ]),
          ) + footer,
    );
  },
});
