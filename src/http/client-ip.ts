import type { Server } from "bun";

/**
 * The client's address. `X-Forwarded-For` is believed only when the peer
 * that connected is a configured trusted proxy (SPEC §7); then the rightmost
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
