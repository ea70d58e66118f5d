import * as v from "valibot";
import { FaztError, parse } from "../../core/index.ts";
import type { EngineHolder } from "../../db/index.ts";

/** The local database (a Store), or anything holding its engine. */
type Store = EngineHolder;

/**
 * The `peers` table of the local database (docs/getting-started.md): named fazt instances
 * this CLI drives, each with its URL and API key. The key is stored as given
 * (the CLI must send it); the database file is private to the user (0600).
 */
export interface Peer {
  name: string;
  url: string;
  token: string;
  isDefault: boolean;
  createdAt: number;
}

/** The peer the CLI sets up itself for the instance on this machine. */
export const LOCAL_PEER = "local";

export const peerNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    "must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit",
  ),
);

/** An instance's base URL: http(s), no credentials, query or fragment; kept without a trailing slash. */
export const peerUrlSchema = v.pipe(
  v.string(),
  v.trim(),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (
        (u.protocol === "http:" || u.protocol === "https:") &&
        u.hostname !== "" &&
        !u.username &&
        !u.password &&
        !u.search &&
        !u.hash
      );
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL such as https://admin.example.com (no query or credentials)"),
  v.transform((s) => {
    const u = new URL(s);
    return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
  }),
);

/** Bearer tokens as `server create-key` and `POST /api/keys` mint them: `fazt_<id>_<secret>`. */
export const peerTokenSchema = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^fazt_[A-Za-z0-9_]{8,200}$/, "must be a fazt API key (fazt_…)"),
);

const addSchema = v.object({ name: peerNameSchema, url: peerUrlSchema, token: peerTokenSchema });

interface Row {
  name: string;
  url: string;
  token: string;
  is_default: number;
  created_at: number;
}

const toPeer = (r: Row): Peer => ({
  name: r.name,
  url: r.url,
  token: r.token,
  isDefault: r.is_default === 1,
  createdAt: r.created_at,
});

export function listPeers(store: Store): Peer[] {
  return store.engine
    .all<Row>("SELECT name, url, token, is_default, created_at FROM peers ORDER BY name")
    .map(toPeer);
}

export function getPeer(store: Store, name: string): Peer | null {
  const row = store.engine.get<Row>(
    "SELECT name, url, token, is_default, created_at FROM peers WHERE name = ?",
    [name],
  );
  return row ? toPeer(row) : null;
}

export function defaultPeer(store: Store): Peer | null {
  const row = store.engine.get<Row>(
    "SELECT name, url, token, is_default, created_at FROM peers WHERE is_default = 1 LIMIT 1",
  );
  return row ? toPeer(row) : null;
}

/**
 * Adds a peer; the first one added becomes the default when none is. A name
 * already taken is a conflict: replacing a peer's key silently could point
 * deploys somewhere else than the user believes.
 */
export function addPeer(store: Store, input: unknown): Peer {
  const { name, url, token } = parse(addSchema, input, "peer");
  if (name === LOCAL_PEER) {
    throw new FaztError(
      "CONFLICT",
      `"${LOCAL_PEER}" is the peer fazt sets up itself for this machine; choose another name`,
    );
  }
  return store.engine.transaction(
    () => {
      if (getPeer(store, name)) {
        throw new FaztError(
          "CONFLICT",
          `a peer named "${name}" exists already (remove it first with \`fazt peer remove ${name}\`)`,
        );
      }
      const isDefault = defaultPeer(store) === null;
      const now = Date.now();
      store.engine.run(
        "INSERT INTO peers (name, url, token, is_default, created_at) VALUES (?, ?, ?, ?, ?)",
        [name, url, token, isDefault, now],
      );
      return { name, url, token, isDefault, createdAt: now };
    },
    { immediate: true },
  );
}

/** Writes the `local` peer (URL and minted key), never as the default. */
export function saveLocalPeer(store: Store, url: string, token: string): Peer {
  const now = Date.now();
  store.engine.run(
    "INSERT INTO peers (name, url, token, is_default, created_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (name) DO UPDATE SET url = excluded.url, token = excluded.token",
    [LOCAL_PEER, url, token, now],
  );
  return getPeer(store, LOCAL_PEER)!;
}

export function removePeer(store: Store, name: string): Peer {
  const peer = getPeer(store, name);
  if (!peer) throw unknownPeer(name);
  store.engine.run("DELETE FROM peers WHERE name = ?", [name]);
  return peer;
}

/** Makes `name` the one default peer. */
export function setDefaultPeer(store: Store, name: string): Peer {
  return store.engine.transaction(
    () => {
      const peer = getPeer(store, name);
      if (!peer) throw unknownPeer(name);
      store.engine.run("UPDATE peers SET is_default = CASE WHEN name = ? THEN 1 ELSE 0 END", [name]);
      return { ...peer, isDefault: true };
    },
    { immediate: true },
  );
}

export function unknownPeer(name: string): FaztError {
  return new FaztError("NOT_FOUND", `no peer named "${name}" (see \`fazt peer list\`)`);
}

/** A token as it may be shown: its kind and the start of its id, never the secret. */
export function redactToken(token: string): string {
  const m = /^(fazt_key_[a-z0-9]{0,4})/i.exec(token);
  return `${m ? m[1] : "fazt_"}…`;
}
