/** Test helper (isolation.test.ts): the writes each concurrent writer makes through its own connection. */
import type { Store } from "../../src/db/index.ts";
import { createStorage } from "../../src/storage/index.ts";

export interface WriterResult {
  ok: boolean;
  error?: string;
}

/** `rounds` rounds of kv, ds and s3 writes by writer `worker`, some on rows every writer shares. */
export function writeRounds(store: Store, appId: string, worker: number, rounds: number): WriterResult {
  try {
    const { kv, ds, s3 } = createStorage(store, appId);
    for (let i = 0; i < rounds; i++) {
      kv.set(`w${worker}-${i}`, i);
      kv.set("shared", i);
      ds.insert("log", { worker, i });
      ds.update("counters", "c", { $inc: { n: 1 } });
      ds.update("log", { worker, i }, { $set: { seen: true } });
      s3.put(`w${worker}/${i}.txt`, `${worker}:${i}`);
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, error: String((err as Error).message) };
  }
}
