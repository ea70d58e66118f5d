import { availableParallelism } from "node:os";
import { announceLogs } from "../apps/index.ts";
import type { Logger } from "../core/index.ts";
import { bundledEntry, FaztError } from "../core/index.ts";
import { errorWire, malformedAnswer } from "./failure.ts";
import {
  type AppRef,
  type CompiledMessage,
  type InitMessage,
  type InvokeMessage,
  type Limits,
  type RequestEvent,
  readDoneMessage,
  type WireResponse,
} from "./wire.ts";

/**
 * Where the worker's code is: next to this file from source; in the compiled
 * binary, build.ts adds it as a second entry point, embedded under the
 * entries' common root (`src/`) with a `.js` name (checked with a probe build).
 */
function workerEntry(): string {
  return bundledEntry("runtime/worker.js") ?? new URL("./worker.ts", import.meta.url).href;
}

/**
 * A worker still busy this long after its request's deadline is terminated
 * and replaced. QuickJS checks its deadline only between bytecodes, so a heap
 * at its limit can spend seconds in garbage collection before it reports
 * "out of memory" (measured: ~7.7 s for arrays pushed until 64 MiB).
 */
const WATCHDOG_GRACE_MS = 5000;
/** Requests of one app waiting for a worker; past this the app is answered 503 at once. */
const MAX_WAITING_PER_APP = 512;
/** Apps a worker remembers as warm there (only a preference; the worker frees runtimes on its own). */
const MAX_WARM = 256;
/**
 * Requests of one app a worker may hold at once: one running, the others
 * ready to run next, so the worker never sleeps between requests waiting for
 * the serving thread. Measured (CPU per hello request under 64 connections):
 * 4 cost 20–35 % more than a worker's unbounded queue did; 64 the same.
 */
const PIPELINE = 32;

export interface PoolSize {
  /** Workers for every app, spawned on demand and kept: the cores, 1 to 4. */
  base: number;
  /** All workers at most: the base ones plus spares for apps kept waiting by busy ones. */
  max: number;
  /** Workers one app may run on at once. */
  perApp: number;
  /** A spare worker left idle this long is ended, and its memory comes back (default 30 s). */
  spareIdleMs?: number;
}

/**
 * The cores (1–4) as base workers, two spares. One app runs on all base
 * workers but one: the serving thread keeps a core of its own for static
 * files and the other apps' requests. (Measured on 2 cores: a hello handler
 * on 2 workers answered no faster than on 1 — the serving thread is the
 * limit there — and an app spinning on both starved everything else.)
 */
export function defaultPoolSize(): PoolSize {
  const base = Math.max(1, Math.min(4, availableParallelism()));
  return { base, max: base + 2, perApp: Math.max(1, base - 1) };
}

interface Job {
  id: number;
  app: AppRef;
  event: RequestEvent;
  limits: Limits;
  resolve(res: WireResponse): void;
  reject(e: FaztError): void;
  /** Read only if the request has to wait (reading `Request.signal` makes Bun create one). */
  opts: { signal?: AbortSignal | undefined } | undefined;
  onAbort?: () => void;
  watchdog?: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker: Worker;
  /** Beyond the base size: serves only apps with nothing else running, and ends when idle. */
  spare: boolean;
  /** Sent to this worker, in order, all of one app: the first runs, the others wait there. */
  jobs: Job[];
  /** The worker asked to be replaced: it takes nothing more and ends once it has answered. */
  retiring: boolean;
  warm: Set<string>;
  idleTimer?: ReturnType<typeof setTimeout>;
}

/**
 * The runtime workers and who runs where. Each worker runs one request at a
 * time (a runtime's state and the heap guard rely on it), so fairness is a
 * matter of who gets the next free worker:
 *
 * - An app may run on several workers at once (`perApp`): a hot app uses the
 *   cores. Its runtime and module state then exist once per worker, as with
 *   isolates on Workers; state is never shared between them, and storage
 *   calls from two workers interleave (each call is atomic, a handler's
 *   sequence of calls is not).
 * - A worker busy with an app may be handed more of that app's requests
 *   (PIPELINE), never another app's: it goes from one to the next without
 *   waiting for the serving thread.
 * - A request whose app has nothing running, when every worker is busy with
 *   other apps, gets a spare worker (at most `max` in all): one app's busy or
 *   spinning code never keeps another app waiting for it.
 * - Requests that cannot start wait in their app's own queue; a freed worker
 *   goes to the waiting app on the fewest workers, then to the one waiting
 *   longest; an app goes to a worker it is already warm on first.
 */
export class RuntimePool {
  readonly #slots: Slot[] = [];
  readonly #waiting = new Map<string, Job[]>();
  /** Workers holding each app's requests. */
  readonly #held = new Map<string, number>();
  #next = 1;
  #closed = false;
  /** The engine as the first worker compiled it: later workers instantiate it without compiling. */
  #wasm: WebAssembly.Module | undefined;
  /** A worker is to be started ahead once the engine is compiled (before, it would compile again). */
  #readyWanted = false;

  constructor(
    readonly dbPath: string,
    readonly log: Logger,
    readonly size: PoolSize = defaultPoolSize(),
  ) {}

  /** Runs one request event of `app`; app failures are answers (504, 500…), pool failures FaztErrors. */
  run(
    app: AppRef,
    event: RequestEvent,
    limits: Limits,
    opts?: { signal?: AbortSignal | undefined },
  ): Promise<WireResponse> {
    if (this.#closed) return Promise.reject(stopping());
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.#next++, app, event, limits, resolve, reject, opts };
      const queue = this.#waiting.get(app.id);
      // Nothing of this app waits: start at once when a worker is free for it.
      if (!queue) {
        const slot = this.#slotFor(app.id);
        if (slot) return this.#send(slot, job);
      }
      this.#wait(job, queue);
    });
  }

  /** Workers (spares among them), requests sent to them, requests waiting for one. */
  stats(): { workers: number; spares: number; busy: number; waiting: number } {
    let waiting = 0;
    for (const q of this.#waiting.values()) waiting += q.length;
    let busy = 0;
    for (const slot of this.#slots) busy += slot.jobs.length;
    return { workers: this.#slots.length, spares: this.#slots.filter((s) => s.spare).length, busy, waiting };
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.idleTimer);
      slot.worker.terminate();
      for (const job of slot.jobs) {
        clearTimeout(job.watchdog);
        job.reject(stopping());
      }
    }
    this.#slots.length = 0;
    for (const queue of this.#waiting.values()) for (const job of queue) job.reject(stopping());
    this.#waiting.clear();
  }

  #wait(job: Job, queue: Job[] | undefined): void {
    const signal = job.opts?.signal;
    if (signal?.aborted) {
      job.reject(gone());
      return;
    }
    if (queue && queue.length >= MAX_WAITING_PER_APP) {
      job.reject(
        new FaztError("UNAVAILABLE", "too many requests are waiting for this app's code: try again", {
          headers: { "retry-after": "1" },
        }),
      );
      return;
    }
    if (queue) queue.push(job);
    else this.#waiting.set(job.app.id, [job]);
    // A client that goes away while its request waits takes the request with it.
    if (signal) {
      job.onAbort = () => this.#dropWaiting(job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
  }

  #dropWaiting(job: Job): void {
    const queue = this.#waiting.get(job.app.id);
    const at = queue?.indexOf(job) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.#waiting.delete(job.app.id);
    job.reject(gone());
  }

  /**
   * A worker that may take a request of `appId` now, spawned if need be: an
   * idle one while the app is on fewer than `perApp` workers, else one of its
   * own with room in its pipeline; none when all are busy.
   */
  #slotFor(appId: string): Slot | undefined {
    const held = this.#held.get(appId) ?? 0;
    let own: Slot | undefined;
    let idleBase: Slot | undefined;
    let idleSpare: Slot | undefined;
    let idleWarm: Slot | undefined;
    let bases = 0;
    for (const slot of this.#slots) {
      if (!slot.spare) bases++;
      if (slot.retiring) continue;
      if (slot.jobs.length > 0) {
        const room = slot.jobs[0]!.app.id === appId && slot.jobs.length < PIPELINE;
        if (room && (!own || slot.jobs.length < own.jobs.length)) own = slot;
        continue;
      }
      // Spares are for apps with nothing running: a busy app waits for its own workers.
      if (slot.spare && held > 0) continue;
      if (slot.warm.has(appId)) idleWarm ??= slot;
      else if (slot.spare) idleSpare ??= slot;
      else idleBase ??= slot;
    }
    if (held < this.size.perApp) {
      if (idleWarm) return idleWarm;
      if (idleBase) return idleBase;
      if (bases < this.size.base) return this.#spawn(false);
      if (idleSpare) return idleSpare;
      if (held === 0 && this.#slots.length < this.size.max) return this.#spawn(true);
    }
    return own;
  }

  #spawn(spare: boolean): Slot {
    const worker = new Worker(workerEntry());
    worker.postMessage({ type: "init", dbPath: this.dbPath, wasm: this.#wasm } satisfies InitMessage);
    const slot: Slot = { worker, spare, jobs: [], retiring: false, warm: new Set() };
    worker.onmessage = (event: MessageEvent<string | CompiledMessage>) => {
      if (typeof event.data === "string") return this.#done(slot, event.data);
      this.#wasm ??= event.data.wasm;
      if (this.#readyWanted) this.#keepOneReady();
    };
    worker.onerror = (event) => {
      this.log.error("runtime worker failed", { error: String(event.message ?? event) });
      this.#end(
        slot,
        new FaztError("INTERNAL", "the app's code could not finish: its runtime worker failed"),
      );
    };
    (worker as unknown as { unref?: () => void }).unref?.();
    this.#slots.push(slot);
    return slot;
  }

  #send(slot: Slot, job: Job): void {
    if (job.onAbort) job.opts?.signal?.removeEventListener("abort", job.onAbort);
    clearTimeout(slot.idleTimer);
    if (slot.jobs.length === 0) this.#held.set(job.app.id, (this.#held.get(job.app.id) ?? 0) + 1);
    slot.jobs.push(job);
    if (slot.warm.size >= MAX_WARM) slot.warm.clear();
    slot.warm.add(job.app.id);
    // The requests before it in this worker run first: the watchdog allows for them.
    job.watchdog = setTimeout(
      () => {
        this.log.error("runtime worker unresponsive: replaced", { app: job.app.name });
        this.#end(slot, new FaztError("TIMEOUT", "the app's code did not stop at its time limit"));
      },
      slot.jobs.length * job.limits.timeoutMs + WATCHDOG_GRACE_MS,
    );
    const msg: InvokeMessage = {
      type: "invoke",
      id: job.id,
      app: job.app,
      event: job.event,
      limits: job.limits,
    };
    slot.worker.postMessage(JSON.stringify(msg));
    this.#keepOneReady();
  }

  /**
   * With every worker busy, one more is started ahead (engine loaded; a
   * base one while there are fewer than `base`, else a spare), so that the
   * next request of another app is answered without waiting for a worker to
   * start (measured: 0.2–1.6 s while another spins).
   */
  #keepOneReady(): void {
    this.#readyWanted = false;
    if (this.#closed) return;
    if (this.#slots.length >= this.size.max || this.#slots.some((s) => s.jobs.length === 0)) return;
    if (!this.#wasm) {
      this.#readyWanted = true;
      return;
    }
    const bases = this.#slots.filter((s) => !s.spare).length;
    this.#idle(this.#spawn(bases >= this.size.base));
  }

  /** A spare worker with nothing to do ends after a while, unless it is the one ready while all others are busy. */
  #idle(slot: Slot): void {
    if (!slot.spare) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.jobs.length > 0) return;
      const others = this.#slots.filter((s) => s !== slot);
      if (others.length >= this.size.base && others.every((s) => s.jobs.length > 0)) this.#idle(slot);
      else this.#remove(slot);
    }, this.size.spareIdleMs ?? 30_000);
    (slot.idleTimer as { unref?: () => void }).unref?.();
  }

  /** Takes `job` off its worker's list; the worker is free when the list is empty. */
  #finish(slot: Slot, job: Job): void {
    clearTimeout(job.watchdog);
    const at = slot.jobs.indexOf(job);
    if (at >= 0) slot.jobs.splice(at, 1);
    if (slot.jobs.length > 0) return;
    const held = (this.#held.get(job.app.id) ?? 1) - 1;
    if (held > 0) this.#held.set(job.app.id, held);
    else this.#held.delete(job.app.id);
  }

  #done(slot: Slot, message: string): void {
    const done = readDoneMessage(message);
    // Answers come back in the order they were sent: the first is almost always the one.
    const job = slot.jobs[0]?.id === done.id ? slot.jobs[0] : slot.jobs.find((j) => j.id === done.id);
    if (!job) return;
    this.#finish(slot, job);
    // Lines the worker logged: wake this process's log streams now rather than at their next poll.
    announceLogs(job.app.id);
    job.resolve(done.res ?? errorWire(malformedAnswer(), job.event.requestId));
    // A runtime stopped mid-way leaves the worker's QuickJS unsound: it answers what it was
    // sent already, then a fresh worker replaces it.
    if (done.recycle) slot.retiring = true;
    if (slot.retiring && slot.jobs.length === 0) this.#remove(slot);
    this.#pump();
    if (!slot.retiring && slot.jobs.length === 0) this.#idle(slot);
  }

  /** Ends a worker that failed or hung, answering what it was sent with `why`. */
  #end(slot: Slot, why: FaztError): void {
    this.#remove(slot);
    for (const job of [...slot.jobs]) {
      this.#finish(slot, job);
      job.resolve(errorWire(why, job.event.requestId));
    }
    this.#pump();
  }

  #remove(slot: Slot): void {
    const at = this.#slots.indexOf(slot);
    if (at >= 0) this.#slots.splice(at, 1);
    clearTimeout(slot.idleTimer);
    slot.worker.terminate();
  }

  /** Sends waiting requests while workers are free for them, fairest first. */
  #pump(): void {
    while (this.#waiting.size > 0) {
      let sent = false;
      for (const job of this.#fairOrder()) {
        const slot = this.#slotFor(job.app.id);
        if (!slot) continue;
        const queue = this.#waiting.get(job.app.id)!;
        queue.shift();
        if (queue.length === 0) this.#waiting.delete(job.app.id);
        this.#send(slot, job);
        sent = true;
        break;
      }
      if (!sent) return;
    }
  }

  /** The first waiting request of each app: apps on the fewest workers first, then the oldest. */
  #fairOrder(): Job[] {
    const heads: Job[] = [];
    for (const queue of this.#waiting.values()) heads.push(queue[0]!);
    if (heads.length > 1) {
      const held = (j: Job) => this.#held.get(j.app.id) ?? 0;
      heads.sort((a, b) => held(a) - held(b) || a.id - b.id);
    }
    return heads;
  }
}

const stopping = () => new FaztError("UNAVAILABLE", "the server is stopping");
const gone = () => new FaztError("UNAVAILABLE", "the client went away before the app's code ran");
