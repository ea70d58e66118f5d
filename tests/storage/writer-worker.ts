/** Test helper (isolation.test.ts): one Bun Worker writing through its own connection. */
import { openStore } from "../../src/db/index.ts";
import { createStorage } from "../../src/storage/index.ts";

declare const self: Worker;

self.onmessage = (e: MessageEvent<{ path: string; appId: string; worker: number; rounds: number }>) => {
  const { path, appId, worker, rounds } = e.data;
  const store = openStore(path);
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
    postMessage({ ok: true });
  } catch (err) {
    postMessage({ ok: false, error: String((err as Error).message) });
  } finally {
    store.close();
  }
};
