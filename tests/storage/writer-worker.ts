/**
 * Test helper (isolation.test.ts): one Bun Worker writing through its own
 * connection. It opens the database, counts itself in `ready`, then waits on
 * `go` so that every writer starts at the same moment.
 */
import { openStoreAt } from "../../src/db/index.ts";
import { writeRounds } from "./writer.ts";

declare const self: Worker;

interface Start {
  /** A SQLite file or a PostgreSQL URL. */
  path: string;
  appId: string;
  worker: number;
  rounds: number;
  /** [ready count, go flag] */
  barrier: SharedArrayBuffer;
}

self.onmessage = async (e: MessageEvent<Start>) => {
  const { path, appId, worker, rounds, barrier } = e.data;
  const flags = new Int32Array(barrier);
  const store = await openStoreAt(path, { create: false });
  try {
    Atomics.add(flags, 0, 1);
    Atomics.wait(flags, 1, 0);
    postMessage(writeRounds(store, appId, worker, rounds));
  } finally {
    store.close();
  }
};
