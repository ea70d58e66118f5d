import { existsSync } from "node:fs";
import { defineCommand } from "citty";
import { emit } from "../../output.ts";
import { ensureLocalPeer, LOCAL_PEER, setDefaultPeer, unknownPeer } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { peerView } from "./view.ts";

export default defineCommand({
  meta: { name: "default", description: "Make a peer the one commands act on without @PEER" },
  args: {
    name: { type: "positional", description: "The peer", valueHint: "NAME", required: true },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("peer default");
    const name = args.name.toLowerCase();
    if (!existsSync(s.dbPath)) throw unknownPeer(name);
    const store = await s.openStore({ create: false });
    if (name === LOCAL_PEER) ensureLocalPeer(store);
    const peer = setDefaultPeer(store, name);
    emit(s.globals.format, peerView(peer), () => `${peer.name} is now the default peer (${peer.url})`);
  },
});
