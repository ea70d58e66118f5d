/**
 * Peers (docs/getting-started.md): the instances this CLI drives, stored in the local
 * database, and the client that talks to them.
 */

export {
  type Alias,
  type App,
  type AppInfo,
  api,
  type DeployResult,
  type RemoteFile,
  type Version,
} from "./api.ts";
export { DEFAULT_TIMEOUT_MS, PeerClient, type PeerTarget, type RequestOptions } from "./client.ts";
export { ensureLocalPeer, forgetLocalKey, localUrl } from "./local.ts";
export { connect, targetName } from "./resolve.ts";
export {
  addPeer,
  defaultPeer,
  getPeer,
  LOCAL_PEER,
  listPeers,
  type Peer,
  peerNameSchema,
  redactToken,
  removePeer,
  setDefaultPeer,
  unknownPeer,
} from "./store.ts";
