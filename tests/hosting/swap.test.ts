import { afterAll, beforeAll, expect, test } from "bun:test";
import { deployFiles } from "../helpers/deploy.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

/**
 * A visitor sees the whole old site or the whole new one, and the new one
 * from the moment its deploy is acknowledged. 20 deploys, each with 40 files
 * of its own contents, while 20 clients fetch every file in a loop: every
 * answer must be a 200 with one complete file of one round whose ETag is that
 * body's, never a 404, a 5xx, a stale or a half-swapped site, and never older
 * than the last deploy acknowledged before the request was sent.
 *
 * The server answers visitors on the thread that activates deploys, and
 * activation is synchronous: its transaction is what makes a crash or a
 * failure all-or-nothing (tests/deploy/crash.test.ts kills inside it), while
 * this test holds what visitors see around the swap (the site cache dropped
 * at once, contents looked up by hash, not path).
 */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.stop();
});

const FILES = 40;
const ROUNDS = 20;
const CLIENTS = 20;
const names = Array.from({ length: FILES }, (_, i) => (i === 0 ? "index" : `p${i}`));
const pathOf = (name: string) => (name === "index" ? "/" : `/${name}`);
// Large enough to be compressed at deploy, so the br/gzip variants are exercised too.
const page = (round: number, name: string) =>
  `<!-- r${round} ${name} -->\n${`<p>round ${round}, page ${name}</p>\n`.repeat(300)}`;
const site = (round: number) =>
  Object.fromEntries(names.map((n) => [n === "index" ? "index.html" : `${n}.html`, page(round, n)]));
const etagOf = (body: string) => new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 32);

test("20 clients see whole files of the acknowledged round, never a 404, a 5xx, a stale or a mixed answer", async () => {
  await deployFiles(s, "swap", site(0));
  /** The newest round whose deploy was acknowledged, and the newest one started. */
  let acked = 0;
  let started = 0;
  let deploying = true;
  const seen = new Set<number>();
  let answers = 0;
  const failures: string[] = [];
  const client = async (n: number) => {
    for (let i = n; deploying; i++) {
      const name = names[i % FILES]!;
      const encoding = ["br", "gzip", "identity"][i % 3]!;
      const floor = acked;
      const res = await s.request(pathOf(name), {
        host: "swap.localhost",
        headers: { "accept-encoding": encoding },
      });
      const text = await res.text();
      const ceiling = started;
      const m = /^<!-- r(\d+) (\w+) -->/.exec(text);
      const round = Number(m?.[1]);
      const etag = (res.headers.get("etag") ?? "").replace(/^"|"$/g, "").replace(/-(br|gzip)$/, "");
      const problem =
        res.status !== 200
          ? `status ${res.status}`
          : !m || m[2] !== name || text !== page(round, name)
            ? "not one whole file of one round"
            : round < floor
              ? `round ${round} after round ${floor} was acknowledged`
              : round > ceiling
                ? `round ${round} before its deploy started`
                : etag !== etagOf(text)
                  ? `ETag ${etag} is not this body's`
                  : null;
      answers++;
      if (problem) failures.push(`${pathOf(name)} (${encoding}): ${problem}: ${text.slice(0, 40)}`);
      else seen.add(round);
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
  for (let round = 1; round <= ROUNDS; round++) {
    started = round;
    await deployFiles(s, "swap", site(round));
    acked = round;
    // Let the clients fetch a while from this round before the next swap.
    await Bun.sleep(20);
  }
  deploying = false;
  await Promise.all(clients);
  expect(failures.slice(0, 10)).toEqual([]);
  // The clients kept up with the swaps: most rounds were seen while they were current.
  expect(seen.size).toBeGreaterThan(ROUNDS / 2);
  expect(answers).toBeGreaterThan(ROUNDS * CLIENTS);
});
