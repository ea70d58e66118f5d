/**
 * withSingleNode (src/db/single-node.ts): on PostgreSQL two engines — two
 * connections, as two nodes have — never run the same named work at once; a
 * lock is released when the work ends, throws, or its connection dies. On
 * SQLite it is a plain call.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createLogger } from "../../src/core/log.ts";
import {
  type Engine,
  openEngine,
  type Store,
  trySingleNodeLock,
  withSingleNode,
} from "../../src/db/index.ts";
import { housekeepingPass } from "../../src/ops/housekeeping.ts";
import { freshDatabase, postgresAvailable } from "../helpers/postgres.ts";
import { cleanupTemp, tempDir } from "../helpers/temp.ts";

afterAll(cleanupTemp);

describe("withSingleNode: sqlite", () => {
  test("is a plain call, even nested", async () => {
    const engine = await openEngine(join(tempDir(), "data.db"));
    try {
      const inner = await withSingleNode(engine, "sweep", () => withSingleNode(engine, "sweep", () => 7));
      expect(inner).toEqual({ ran: true, value: { ran: true, value: 7 } });
    } finally {
      engine.close();
    }
  });
});

describe.skipIf(!postgresAvailable())("withSingleNode: postgres, two nodes", () => {
  let url: string;
  let node1: Engine;
  let node2: Engine;

  test("two engines on one database", async () => {
    url = await freshDatabase();
    node1 = await openEngine(url);
    node2 = await openEngine(url);
  });

  test("while node 1 runs the work, node 2 (and node 1 again) is turned away at once; afterwards node 2 runs it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = withSingleNode(node1, "housekeeping", async () => {
      await gate;
      return "node1";
    });
    await Bun.sleep(10);
    expect(await withSingleNode(node2, "housekeeping", () => "node2")).toEqual({ ran: false });
    expect(await withSingleNode(node1, "housekeeping", () => "node1 again")).toEqual({ ran: false });
    // Another name is another lock.
    expect(await withSingleNode(node2, "backup", () => "other")).toEqual({ ran: true, value: "other" });
    release();
    expect(await first).toEqual({ ran: true, value: "node1" });
    expect(await withSingleNode(node2, "housekeeping", () => "node2")).toEqual({ ran: true, value: "node2" });
  });

  test("a throwing run releases the lock", async () => {
    await expect(
      withSingleNode(node1, "acme", () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await withSingleNode(node2, "acme", () => 1)).toEqual({ ran: true, value: 1 });
  });

  test("housekeeping: while another node sweeps, this node's pass skips without touching a table", async () => {
    const release = trySingleNodeLock(node1, "housekeeping");
    expect(release).not.toBeNull();
    const logs: Array<{ level: string; msg: string }> = [];
    const log = createLogger((line) => logs.push(JSON.parse(line)));
    // A node-2 holder with only the engine: a sweep that ran would fail on it and log a warning.
    await housekeepingPass({ engine: node2 } as unknown as Store, log);
    expect(logs).toEqual([
      expect.objectContaining({ level: "debug", msg: "housekeeping: another node is sweeping" }),
    ]);
    release?.();
    logs.length = 0;
    await housekeepingPass({ engine: node2 } as unknown as Store, log);
    expect(logs.map((l) => l.level)).toEqual(["warn"]); // it ran this time (and the bare holder made it fail)
  });

  test("a node that dies holding the lock releases it with its connection", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const held = withSingleNode(node1, "backup", () => gate);
    await Bun.sleep(10);
    expect(await withSingleNode(node2, "backup", () => 1)).toEqual({ ran: false });
    node1.close(); // the process died: its connection ends
    // PostgreSQL frees a dead session's locks as the backend exits, which can take a moment.
    let after: Awaited<ReturnType<typeof withSingleNode<number>>> = { ran: false };
    for (let i = 0; i < 100 && !after.ran; i++) {
      after = await withSingleNode(node2, "backup", () => 2);
      if (!after.ran) await Bun.sleep(20);
    }
    expect(after).toEqual({ ran: true, value: 2 });
    release();
    await held;
    node2.close();
  });
});
