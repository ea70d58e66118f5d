import { defineCommand } from "citty";
import { color, columns, emit, when } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { humanBytes } from "../../transfer/progress.ts";

export default defineCommand({
  meta: { name: "list", description: "List apps" },
  async run() {
    const s = session();
    const client = await connect();
    const apps = await api.listApps(client);
    emit(s.globals.format, apps, () =>
      apps.length === 0
        ? color.dim(`no apps on ${client.name} (deploy one with \`fazt app deploy DIR\`)`)
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
          ),
    );
  },
});
