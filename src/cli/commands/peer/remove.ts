import { existsSync } from "node:fs";
import { defineCommand } from "citty";
import { emit } from "../../output.ts";
import { forgetLocalKey, LOCAL_PEER, removePeer, unknownPeer } from "../../peer/index.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "remove", description: "Forget a peer" },
  args: {
    name: { type: "positional", description: "The peer", valueHint: "NAME", required: true },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("peer remove");
    const name = args.name.toLowerCase();
    if (!existsSync(s.dbPath)) throw unknownPeer(name);
    const store = await s.openStore({ create: false });
    const peer = removePeer(store, name);
    // The local peer's key was minted by this CLI: it goes with the peer (set up again when needed).
    if (peer.name === LOCAL_PEER) forgetLocalKey(store, peer);
    emit(
      s.globals.format,
      { name: peer.name, removed: true },
      () =>
        `peer ${peer.name} removed${peer.isDefault ? " (it was the default: commands now act on the local instance)" : ""}`,
    );
  },
});
