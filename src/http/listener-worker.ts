/// <reference lib="webworker" />
/**
 * A listener thread (http/listeners.ts): one more `Bun.serve` on the
 * server's port (`reusePort`: the kernel spreads connections over the
 * listeners), answering what it can alone — app hosts' static files from its
 * own site index and content cache, 304s, ranges, `_redirects` — and handing
 * everything else to the main thread over the private socket
 * (private-socket.ts). Its request-log lines go to the main thread, which
 * writes them with its own: one output, whole lines.
 */
import type { Server } from "bun";
import { createLogger } from "../core/index.ts";
import { openStore, type Store } from "../db/index.ts";
import { createHosting, HandOff } from "../hosting/index.ts";
import { createAnswer, failure } from "./answer.ts";
import { errorResponse } from "./envelope.ts";
import type { ListenerStart, ToListener, ToMainThread } from "./listener-wire.ts";
import { handOffTo } from "./private-socket.ts";
import { SharedConfig } from "./shared-config.ts";

declare const self: Worker;

const post = (msg: ToMainThread) => self.postMessage(msg);

let server: Server<undefined> | undefined;
let store: Store | undefined;
let lines: string[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/** Log lines go to the main thread in batches, at most 50 ms late (as core/log.ts batches its own). */
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (lines.length === 0) return;
  post({ type: "log", lines: lines.join("\n") });
  lines = [];
}

function start(msg: ListenerStart): void {
  store = openStore(msg.dbPath, { create: false });
  const log = createLogger((line) => {
    lines.push(line);
    flushTimer ??= setTimeout(flush, 50);
  });
  const config = new SharedConfig(msg.config);
  const refuse = () => {
    throw new HandOff();
  };
  const hosting = createHosting(store, { cacheBytes: msg.cacheBytes }, refuse, refuse, {
    shared: msg.shared,
  });
  const served = msg.served;
  const handOff = handOffTo(msg.socketPath);
  const answer = createAnswer(
    {
      get config() {
        return config.read();
      },
      hosting,
      log,
      listener: msg.index,
    },
    (req, srv, _what, info) =>
      handOff(req, srv).catch((err: unknown) => info.done(failure(log, err, info.requestId))),
  );
  server = Bun.serve({
    hostname: msg.hostname,
    port: msg.port,
    reusePort: true,
    idleTimeout: msg.idleTimeout,
    maxRequestBodySize: msg.maxRequestBodySize,
    fetch(req, srv) {
      Atomics.add(served, msg.index, 1);
      return answer(req, srv);
    },
    error(err) {
      log.error("server error", { error: String(err) });
      return errorResponse(err);
    },
  });
  post({ type: "listening" });
}

async function stop(graceMs: number): Promise<void> {
  if (server) {
    const s = server;
    const force = setTimeout(() => void s.stop(true), graceMs);
    await s.stop(false);
    clearTimeout(force);
  }
  flush();
  store?.close();
  post({ type: "stopped" });
}

self.onmessage = (event: MessageEvent<ToListener>) => {
  const msg = event.data;
  if (msg.type === "start") {
    try {
      start(msg);
    } catch (err) {
      post({ type: "failed", error: String(err) });
    }
  } else void stop(msg.graceMs);
};
