import { defineCommand } from "citty";
import { color, columns, emit, when } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "list", description: "List aliases" },
  async run() {
    const s = session();
    const client = await connect();
    const aliases = await api.listAliases(client);
    emit(s.globals.format, aliases, () =>
      aliases.length === 0
        ? color.dim(`no aliases on ${client.name}`)
        : columns(
            ["NAME", "TYPE", "TARGET", "UPDATED"],
            aliases.map((a) => [
              a.name,
              a.type,
              a.type === "app" ? a.app : a.type === "redirect" ? a.url : "",
              when(a.updatedAt),
            ]),
          ),
    );
  },
});
