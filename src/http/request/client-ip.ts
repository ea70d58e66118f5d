import type { Server } from "bun";

/**
 * The client's address. `X-Forwarded-For` is believed only when the peer
 * that connected is a configured trusted proxy (docs/security.md); then the rightmost
 * address that is not itself a trusted proxy is the client.
 */
export function clientIp(
  req: Request,
  server: Server<undefined> | undefined,
  trustedProxies: string[],
): string {
  const peer = server?.requestIP(req)?.address ?? "unknown";
  const bare = peer.startsWith("::ffff:") ? peer.slice(7) : peer;
  if (trustedProxies.length === 0 || !trustedProxies.includes(bare)) return bare;
  const forwarded = req.headers.get("x-forwarded-for");
  if (!forwarded) return bare;
  const hops = forwarded
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.includes(hops[i]!)) return hops[i]!;
  }
  return bare;
}

/**
 * The unit a per-client limit counts by: an IPv4 address, or an IPv6
 * address's /64 (one subscriber's prefix: counting single IPv6 addresses
 * would give one client 2^64 separate allowances). Anything else as it is.
 */
export function addressGroup(ip: string): string {
  if (!ip.includes(":")) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = ip.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) fills two groups.
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  if (groups.length < 4 || groups.slice(0, 4).some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return ip;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
