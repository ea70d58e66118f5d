import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { sha256 } from "../../admin-ui/src/deploy/sha256.ts";

/**
 * The browser's fallback digest (for instances reached over plain http on a
 * LAN address, where crypto.subtle is missing) must match SHA-256 exactly, or
 * every deploy from such a page fails the server's hash check.
 */
test("the admin UI's pure-JS SHA-256 matches node:crypto at every padding boundary", () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537]) {
    const data = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
    const ours = Buffer.from(sha256(data)).toString("hex");
    expect(ours).toBe(createHash("sha256").update(data).digest("hex"));
  }
});
