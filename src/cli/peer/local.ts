import { createApiKey, deleteApiKey, findOwner } from "../../auth/index.ts";
import { readConfig, type Store } from "../../db/index.ts";
import { findRunningServer, localAdminUrl } from "../../ops/index.ts";
import { getPeer, LOCAL_PEER, type Peer, saveLocalPeer } from "./store.ts";

/**
 * The `local` peer: the instance whose database this CLI holds. Holding the
 * database is what lets the CLI mint its own admin key, so "no set-up"
 * deploys work on a fresh machine (docs/getting-started.md). The URL follows the running
 * server's record (a `server start --port N` included), else the stored port.
 */
export function localUrl(store: Store): string {
  const config = readConfig(store);
  const running = findRunningServer(store);
  return localAdminUrl(
    running ?? { listen: "127.0.0.1", port: config.port, https: config.https },
    config.domain,
  );
}

const KEY_NAME = "cli (local peer)";

/** The `local` peer, created (with a fresh admin key) or brought up to date. */
export function ensureLocalPeer(store: Store): Peer {
  const url = localUrl(store);
  const existing = getPeer(store, LOCAL_PEER);
  if (existing) return existing.url === url ? existing : saveLocalPeer(store, url, existing.token);
  const { token } = createApiKey(store, { name: KEY_NAME, scope: "admin" }, findOwner(store)?.id ?? null);
  return saveLocalPeer(store, url, token);
}

/**
 * Replaces the local peer's key (the server refused it: deleted from the
 * admin UI, say). The old key is deleted if it still exists, so keys do not
 * pile up.
 */
export function remintLocalKey(store: Store, old: Peer): Peer {
  const id = /^fazt_(key_[a-z2-7]+)_/.exec(old.token)?.[1];
  if (id) {
    try {
      deleteApiKey(store, id);
    } catch {
      // already gone: that is why we are here
    }
  }
  const { token } = createApiKey(store, { name: KEY_NAME, scope: "admin" }, findOwner(store)?.id ?? null);
  return saveLocalPeer(store, localUrl(store), token);
}

/** Deletes the local peer's key when the peer itself is removed. */
export function forgetLocalKey(store: Store, peer: Peer): void {
  const id = /^fazt_(key_[a-z2-7]+)_/.exec(peer.token)?.[1];
  if (!id) return;
  try {
    deleteApiKey(store, id);
  } catch {
    // nothing to forget
  }
}
