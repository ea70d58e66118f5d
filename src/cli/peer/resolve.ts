import { existsSync } from "node:fs";
import { FaztError } from "../../core/index.ts";
import { isPostgresUrl, type Store } from "../../db/index.ts";
import { session } from "../session.ts";
import { PeerClient } from "./client.ts";
import { ensureLocalPeer, remintLocalKey } from "./local.ts";
import { defaultPeer, getPeer, LOCAL_PEER, unknownPeer } from "./store.ts";

/**
 * Which instance a remote-capable command acts on (docs/getting-started.md):
 * `@PEER` or `--to PEER` > the default peer > the `local` peer.
 */
export function targetName(store: Store | null, to?: string): string {
  const { globals } = session();
  if (globals.peer && to && globals.peer !== to.toLowerCase()) {
    throw new FaztError("USAGE", `@${globals.peer} and --to ${to} name different peers: give one`);
  }
  const explicit = globals.peer ?? to?.toLowerCase();
  if (explicit) return explicit;
  return (store && defaultPeer(store)?.name) ?? LOCAL_PEER;
}

/** A client for the target peer; sets up the `local` peer (and its key) when that is the target. */
export async function connect(opts: { to?: string | undefined } = {}): Promise<PeerClient> {
  const s = session();
  // A PostgreSQL target is a server, not a file: there is nothing on disk to look for.
  const haveDb = isPostgresUrl(s.target) || existsSync(s.dbPath);
  const store = haveDb ? await s.openStore({ create: false }) : null;
  const name = targetName(store, opts.to);
  if (name !== LOCAL_PEER) {
    const peer = store && getPeer(store, name);
    if (!peer) throw unknownPeer(name);
    return new PeerClient({ name, url: peer.url, local: false }, peer.token, {
      refusedHint: `check the key of peer "${name}": \`fazt peer remove ${name}\`, then \`fazt peer add ${name}\` with a valid one`,
    });
  }
  if (!store) {
    throw new FaztError(
      "UNAVAILABLE",
      `no peer is configured and there is no local instance (no database at ${s.shownTarget}): start one with \`fazt server start\`, or add a peer with \`fazt peer add NAME --url URL --token KEY\``,
    );
  }
  let peer = ensureLocalPeer(store);
  return new PeerClient({ name: LOCAL_PEER, url: peer.url, local: true }, peer.token, {
    // The key was deleted (admin UI, `DELETE /api/keys`): mint another, once.
    renew: () => {
      peer = remintLocalKey(store, peer);
      return peer.token;
    },
    refusedHint: `is the server at ${peer.url} running on another database than ${s.shownTarget}?`,
  });
}
