import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { bundledEntry, type Logger } from "../core/index.ts";
import type { Hosting } from "../hosting/index.ts";
import type { ListenerStart, ToListener, ToMainThread } from "./listener-wire.ts";
import { receiveHandOffs } from "./private-socket.ts";
import { type ListenerConfig, SharedConfig } from "./shared-config.ts";

/** `listeners: 0` (the default): one per core, at most this many. */
const AUTO_MAX = 4;
/** A listener that fails this often within a minute is not started again: the others take its share. */
const MAX_RESTARTS_PER_MINUTE = 5;

/** How many listeners (the main thread included) the `listeners` setting asks for. */
export function listenerCount(setting: number, cores = availableParallelism()): number {
  if (setting > 0) return setting;
  return Math.max(1, Math.min(AUTO_MAX, cores));
}

/** Where `new Worker` finds the listener: inside the compiled binary, or beside this file. */
function listenerEntry(): string {
  return bundledEntry("http/listener-worker.js") ?? new URL("./listener-worker.ts", import.meta.url).href;
}

export interface Listeners {
  /**
   * Starts the listener threads (once; later calls wait for the first).
   * The server calls it when the main thread gets busy (server.ts), so an
   * idle server keeps the memory of one thread.
   */
  start(): Promise<void>;
  /** Listener threads running now (the main thread not counted). */
  readonly running: number;
  /** Requests each listener thread took, by number (index 0, the main thread, stays 0). */
  served(): number[];
  /** The threads, for tests that end one as a crash would. */
  threads(): Worker[];
  /** The main thread's config changed: every listener answers the next request with it. */
  configChanged(config: ListenerConfig): void;
  /** Stops every listener (in-flight requests finish, up to `graceMs`), then the private socket. */
  stop(graceMs: number): Promise<void>;
}

interface Slot {
  index: number;
  worker: Worker;
  /** Set once its server listens. */
  up: boolean;
  stopped?: () => void;
  listening: Promise<void>;
}

/**
 * N−1 listener threads beside the main thread's server, on the same port
 * (`reusePort`), and the private socket they hand requests over on
 * (private-socket.ts, listener-worker.ts). A thread that fails is started
 * again; past `MAX_RESTARTS_PER_MINUTE` it is left down and the kernel gives
 * its share of connections to the listeners still there.
 */
export function createListeners(opts: {
  count: number;
  dbPath: string;
  hostname: string;
  port: number;
  idleTimeout: number;
  maxRequestBodySize: number;
  cacheBytes: number;
  hosting: Hosting;
  config: ListenerConfig;
  log: Logger;
  handler: (req: Request, server: Server<undefined>) => Response | Promise<Response>;
}): Listeners {
  const { log } = opts;
  let socketPath = "";
  let dir: string | undefined;
  let socket: Server<undefined> | undefined;
  let starting: Promise<void> | undefined;
  const config = new SharedConfig();
  config.write(opts.config);
  const served = new Int32Array(new SharedArrayBuffer(4 * opts.count));
  const slots = new Map<number, Slot>();
  const failures = new Map<number, number[]>();
  let stopping = false;

  const base = (): Omit<ListenerStart, "index"> => ({
    dbPath: opts.dbPath,
    hostname: opts.hostname,
    port: opts.port,
    idleTimeout: opts.idleTimeout,
    maxRequestBodySize: opts.maxRequestBodySize,
    socketPath,
    cacheBytes: opts.cacheBytes,
    config: config.buffer,
    shared: opts.hosting.shared,
    served,
  });

  const spawn = (index: number): Slot => {
    const worker = new Worker(listenerEntry());
    let ready: () => void = () => {};
    let refused: (err: Error) => void = () => {};
    const slot: Slot = {
      index,
      worker,
      up: false,
      listening: new Promise<void>((resolve, reject) => {
        ready = resolve;
        refused = reject;
      }),
    };
    worker.onmessage = (event: MessageEvent<ToMainThread>) => {
      const msg = event.data;
      if (msg.type === "log") for (const line of msg.lines.split("\n")) log.write(line);
      else if (msg.type === "listening") {
        slot.up = true;
        ready();
      } else if (msg.type === "stopped") slot.stopped?.();
      else if (msg.type === "failed") {
        log.error("listener failed to start", { listener: index, error: msg.error });
        refused(new Error(msg.error));
        worker.terminate();
      }
    };
    worker.onerror = (event) => {
      log.error("listener failed", { listener: index, error: String(event.message ?? event) });
    };
    worker.addEventListener("close", () => {
      slot.stopped?.();
      refused(new Error("the listener ended before it listened"));
      if (slots.get(index) !== slot) return;
      slots.delete(index);
      if (!stopping) restart(index);
    });
    worker.postMessage({ type: "start", index, ...base() } satisfies ToListener);
    slots.set(index, slot);
    return slot;
  };

  const restart = (index: number) => {
    const now = Date.now();
    const recent = (failures.get(index) ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    failures.set(index, recent);
    if (recent.length > MAX_RESTARTS_PER_MINUTE) {
      log.error("listener keeps failing: left stopped, the other listeners take its share", {
        listener: index,
      });
      return;
    }
    log.warn("listener ended: started again", { listener: index });
    spawn(index).listening.catch(() => {});
  };

  const startAll = async () => {
    // mkdtemp makes the folder 0700; the socket inside is made 0600.
    dir = mkdtempSync(join(tmpdir(), "fazt-listen-"));
    socketPath = join(dir, "main.sock");
    socket = receiveHandOffs(socketPath, opts.handler, opts.maxRequestBodySize);
    const started = [];
    for (let i = 1; i < opts.count; i++) started.push(spawn(i).listening);
    // A listener that cannot start leaves its share to the others; the server runs on.
    await Promise.allSettled(started);
    log.info("listeners started", { listeners: [...slots.values()].filter((slot) => slot.up).length + 1 });
  };

  return {
    start() {
      if (stopping) return Promise.resolve();
      starting ??= startAll().catch((err: unknown) => {
        log.error("listeners could not start: the main thread answers alone", { error: String(err) });
      });
      return starting;
    },
    get running() {
      return [...slots.values()].filter((slot) => slot.up).length;
    },
    served: () => Array.from(served),
    threads: () => [...slots.values()].map((s) => s.worker),
    configChanged: (c) => config.write(c),
    async stop(graceMs) {
      stopping = true;
      await starting;
      await Promise.all(
        [...slots.values()].map(
          (slot) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, graceMs + 1000);
              slot.stopped = () => {
                clearTimeout(timer);
                resolve();
              };
              slot.worker.postMessage({ type: "stop", graceMs } satisfies ToListener);
            }),
        ),
      );
      for (const slot of slots.values()) slot.worker.terminate();
      slots.clear();
      // Hand-offs still in flight were answered before their listener stopped.
      socket?.stop(true);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
