import { availableParallelism } from "node:os";
import type { Logger } from "../core/log.ts";
import { announceLogs } from "./logs.ts";
import type { Limits } from "./sandbox.ts";
import type { DoneMessage, RunMessage, WireResponse } from "./wire.ts";

/**
 * Where the worker's code is: next to this file from source; in the compiled
 * binary, build.ts adds it as a second entry point, embedded under the
 * entries' common root (`src/`) with a `.js` name (checked with a probe build).
 */
function workerEntry(): string {
  if (import.meta.url.includes("$bunfs")) return "/$bunfs/root/runtime/worker.js";
  return new URL("./worker.ts", import.meta.url).href;
}

interface Pending {
  appId: string;
  worker: Worker;
  resolve(res: WireResponse): void;
  timer: ReturnType<typeof setTimeout>;
  slot: number;
}

/**
 * A worker still busy this long after its request's deadline is terminated
 * and replaced. QuickJS checks its deadline only between bytecodes, so a heap
 * at its limit can spend seconds in garbage collection before it reports
 * "out of memory" (measured: ~7.7 s for arrays pushed until 64 MiB).
 */
const WATCHDOG_GRACE_MS = 5000;

/**
 * Runtime workers, sized to the cores (at least one): each app is pinned to
 * one worker by its id, so its runtime and module state live in one place,
 * and a spinning app only ever blocks its own worker.
 */
export class RuntimePool {
  readonly #workers: Array<Worker | undefined>;
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  constructor(
    readonly dbPath: string,
    readonly limits: () => Limits,
    readonly log: Logger,
    size = Math.max(1, Math.min(4, availableParallelism())),
  ) {
    this.#workers = new Array(size).fill(undefined);
  }

  #spawn(slot: number): Worker {
    const worker = new Worker(workerEntry());
    worker.postMessage({ type: "init", dbPath: this.dbPath });
    worker.onmessage = (event: MessageEvent<DoneMessage>) => {
      const p = this.#pending.get(event.data.id);
      if (!p) return;
      clearTimeout(p.timer);
      this.#pending.delete(event.data.id);
      // Lines the worker logged: wake this process's log streams now rather than at their next poll.
      announceLogs(p.appId);
      p.resolve(event.data.res);
      if (event.data.recycle) this.#retire(slot, worker);
    };
    worker.onerror = (event) => {
      this.log.error("runtime worker failed", { error: String(event.message ?? event) });
      this.#replace(slot, worker, "the runtime worker failed");
    };
    (worker as unknown as { unref?: () => void }).unref?.();
    this.#workers[slot] = worker;
    return worker;
  }

  /**
   * Replaces a worker once it has answered what it owes: requests already
   * queued there still run; new ones go to a fresh worker.
   */
  #retire(slot: number, worker: Worker): void {
    if (this.#workers[slot] !== worker) return;
    this.#workers[slot] = undefined;
    const owed = () => [...this.#pending.values()].some((p) => p.worker === worker);
    const end = () => (owed() ? setTimeout(end, 50) : worker.terminate());
    end();
  }

  /** Ends a worker and answers everything it still owed. */
  #replace(slot: number, worker: Worker, why: string): void {
    worker.terminate();
    if (this.#workers[slot] === worker) this.#workers[slot] = undefined;
    for (const [id, p] of this.#pending) {
      if (p.worker !== worker) continue;
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.resolve(failure(504, "TIMEOUT", why));
    }
  }

  #slotOf(appId: string): number {
    let h = 0;
    for (let i = 0; i < appId.length; i++) h = (h * 31 + appId.charCodeAt(i)) | 0;
    return Math.abs(h) % this.#workers.length;
  }

  run(msg: Omit<RunMessage, "id" | "type" | "limits">): Promise<WireResponse> {
    const limits = this.limits();
    const slot = this.#slotOf(msg.app.id);
    const worker = this.#workers[slot] ?? this.#spawn(slot);
    const id = this.#next++;
    return new Promise((resolve) => {
      // Queued requests wait for the ones before them; the watchdog allows for that.
      const queued = [...this.#pending.values()].filter((p) => p.worker === worker).length;
      const timer = setTimeout(
        () => {
          this.log.error("runtime worker unresponsive: replaced", { app: msg.app.name });
          this.#replace(slot, worker, "the app's code did not stop at its time limit");
        },
        (queued + 1) * limits.timeoutMs + WATCHDOG_GRACE_MS,
      );
      this.#pending.set(id, { appId: msg.app.id, worker, resolve, timer, slot });
      worker.postMessage({ ...msg, type: "run", id, limits } satisfies RunMessage);
    });
  }

  close(): void {
    for (let i = 0; i < this.#workers.length; i++) this.#workers[i]?.terminate();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.resolve(failure(503, "UNAVAILABLE", "the server is stopping"));
    }
    this.#pending.clear();
  }
}

function failure(status: number, code: string, message: string): WireResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: Buffer.from(JSON.stringify({ error: { code, message } })).toString("base64"),
  };
}
