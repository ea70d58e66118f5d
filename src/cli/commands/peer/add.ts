import { defineCommand } from "citty";
import { emit, warn } from "../../output.ts";
import { addPeer } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { peerView } from "./view.ts";

/** Loopback hosts, where plain http does not expose the key on a network. */
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\]|[a-z0-9-]+\.localhost)$/i;

export default defineCommand({
  meta: { name: "add", description: "Remember a fazt instance and its API key" },
  args: {
    name: { type: "positional", description: "Name to use as @NAME", valueHint: "NAME", required: true },
    url: { type: "string", description: "The instance's admin URL", valueHint: "URL", required: true },
    token: {
      type: "string",
      description: "An API key of that instance (fazt_…)",
      valueHint: "KEY",
      required: true,
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("peer add");
    const store = await s.openStore();
    const peer = addPeer(store, { name: args.name, url: args.url, token: args.token });
    const host = new URL(peer.url).hostname;
    if (peer.url.startsWith("http:") && !LOOPBACK.test(host)) {
      warn(`${peer.url} is plain http: the key travels unencrypted`);
    }
    emit(
      s.globals.format,
      peerView(peer),
      () => `peer ${peer.name} added (${peer.url})${peer.isDefault ? ", now the default" : ""}`,
    );
  },
});
