import { type Peer, redactToken } from "../../peer/index.ts";

/** A peer as commands print it: the token reduced to a prefix that cannot be used. */
export function peerView(p: Peer): {
  name: string;
  url: string;
  token: string;
  isDefault: boolean;
  createdAt: number;
} {
  return {
    name: p.name,
    url: p.url,
    token: redactToken(p.token),
    isDefault: p.isDefault,
    createdAt: p.createdAt,
  };
}
