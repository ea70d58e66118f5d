import { existsSync } from "node:fs";
import { defineCommand } from "citty";
import { color, columns, emit } from "../../output.ts";
import { listPeers, type Peer } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { peerView } from "./view.ts";

export default defineCommand({
  meta: { name: "list", description: "List peers (keys are never shown in full)" },
  async run() {
    const s = session();
    s.localOnly("peer list");
    // No database yet means no peers: listing must not create one.
    const peers: Peer[] = existsSync(s.dbPath) ? listPeers(await s.openStore({ create: false })) : [];
    const rows = peers.map(peerView);
    emit(s.globals.format, rows, () => {
      if (rows.length === 0)
        return color.dim("no peers (add one with `fazt peer add NAME --url URL --token KEY`)");
      const table = columns(
        ["NAME", "URL", "KEY", "DEFAULT"],
        rows.map((p) => [p.name, p.url, p.token, p.isDefault ? "yes" : ""]),
      );
      const fallback = rows.some((p) => p.isDefault)
        ? ""
        : `\n${color.dim("no default: commands act on the local instance")}`;
      return table + fallback;
    });
  },
});
