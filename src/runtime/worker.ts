/**
 * A runtime worker: a thread of its own that runs app code, so a handler
 * that spins never stalls static serving. It holds one QuickJS runtime per
 * app (per deployed version) that ran here — an app may run on several
 * workers, each with its own runtime and module state — and its own
 * database connection, SQLite or PostgreSQL (database.ts).
 */
import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import { appendLog, type LogLevel, readEnv, versionContents } from "../apps/index.ts";
import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { createStorage, type Storage } from "../storage/index.ts";
import { openWorkerDatabase, type WorkerDatabase } from "./database.ts";
import { compileEngine, loadEngine } from "./engine.ts";
import { errorWire } from "./failure.ts";
import { AppRuntime, type HostServices, RawJson } from "./sandbox.ts";
import {
  type CompiledMessage,
  doneMessage,
  encodeAnswer,
  type InitMessage,
  type InvokeMessage,
  type WireUser,
} from "./wire.ts";

declare const self: Worker;

let opening: Promise<WorkerDatabase> | undefined;
let store: WorkerDatabase | undefined;
let engine: Promise<QuickJSWASMModule> | undefined;
const runtimes = new Map<string, AppRuntime>();
const lastUsed = new Map<string, number>();
/** Runtimes idle this long are freed; beyond MAX_RUNTIMES the least recently used goes first. */
const IDLE_MS = 5 * 60 * 1000;
const MAX_RUNTIMES = 64;
/** Set when a runtime could not be torn down: the pool replaces this worker after its next answer. */
let unsound = false;

function evict(appId: string): void {
  const rt = runtimes.get(appId);
  runtimes.delete(appId);
  lastUsed.delete(appId);
  if (rt && !rt.dispose()) unsound = true;
}

setInterval(() => {
  const now = Date.now();
  for (const [appId, at] of lastUsed) if (now - at > IDLE_MS) evict(appId);
}, 60_000);

/** The version's api/ and private/ files, read once per runtime. */
function loadFiles(db: WorkerDatabase, versionId: string): Map<string, Uint8Array> {
  return versionContents(db, versionId, ["api/", "private/"]);
}

/** Storage calls answered as JSON text straight from the stored documents (no parse and re-serialise). */
const AS_JSON: Record<string, "findJson" | "findOneJson"> = {
  "ds.find": "findJson",
  "ds.findOne": "findOneJson",
};
/** Users whose storage objects are kept per runtime (beyond it, they are made again). */
const MAX_USER_STORAGES = 64;

function services(database: WorkerDatabase, appId: string, versionId: string): HostServices {
  // apps/ and storage/ read through the engine only (database.ts): on PostgreSQL there is nothing else.
  const db = database as Store;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  // Made once per runtime (app-wide) or per user, not per call.
  const appStorage = createStorage(db, appId, "");
  const userStorages = new Map<string, Storage>();
  const storageOf = (userId: string | null): Storage => {
    if (userId === null) return appStorage;
    let s = userStorages.get(userId);
    if (!s) {
      if (userStorages.size >= MAX_USER_STORAGES) userStorages.clear();
      s = createStorage(db, appId, userId);
      userStorages.set(userId, s);
    }
    return s;
  };
  return {
    files: loadFiles(db, versionId),
    env: () => readEnv(db, appId),
    log: (level, message, requestId) => {
      appendLog(db, appId, { level: level as LogLevel, message, requestId });
    },
    call(op, scope, args, user: WireUser | null) {
      if (scope === "user" && !user) {
        throw new FaztError("UNAUTHORIZED", "sign in to use fazt.app.user storage");
      }
      const s = storageOf(scope === "user" ? user!.id : null) as unknown as Record<
        string,
        Record<string, (...a: unknown[]) => unknown>
      >;
      const [area, method] = op.split(".") as [string, string];
      const fn = s[area]?.[method];
      if (!fn || !["kv", "ds", "s3"].includes(area) || method.endsWith("Json")) {
        throw new Error(`unknown storage call ${op}`);
      }
      const json = AS_JSON[op];
      if (json) return new RawJson(s.ds![json]!.apply(s.ds, args) as string);
      if (op === "s3.put") {
        const [path, data, mime] = args as [string, string, string | undefined];
        return fn.call(s[area], path, new Uint8Array(Buffer.from(data, "base64")), mime);
      }
      const out = fn.apply(s[area], args);
      if (op === "s3.get" && out) {
        const blob = out as { data: Uint8Array; mime: string; size: number; hash: string };
        return { data: b64(blob.data), mime: blob.mime, size: blob.size, hash: blob.hash };
      }
      return out;
    },
  };
}

/** The app's runtime for this version: kept, replaced after a deploy, or made (evicting the least recently used). */
async function runtimeFor(msg: InvokeMessage): Promise<AppRuntime> {
  store ??= await opening!;
  const db = store;
  let rt = runtimes.get(msg.app.id);
  if (rt && rt.app.versionId !== msg.app.versionId) {
    // A new deploy starts a fresh runtime.
    evict(msg.app.id);
    rt = undefined;
  }
  if (!rt && runtimes.size >= MAX_RUNTIMES) {
    const oldest = [...lastUsed].sort((a, b) => a[1] - b[1])[0];
    if (oldest) evict(oldest[0]);
  }
  lastUsed.set(msg.app.id, Date.now());
  if (!rt) {
    engine ??= loadEngine();
    rt = new AppRuntime(await engine, msg.app, services(db, msg.app.id, msg.app.versionId), msg.limits);
    runtimes.set(msg.app.id, rt);
  }
  return rt;
}

/** The answer as an answer frame (wire.ts). */
async function runRequest(msg: InvokeMessage): Promise<string> {
  const rt = await runtimeFor(msg);
  const { frame, broken, oversized } = await rt.handle(msg.event, msg.limits);
  // Finished cleanly but holding too much: freed now, a fresh runtime next time.
  if (oversized) evict(msg.app.id);
  if (broken) {
    // A runtime stopped mid-way (time or memory) is not trusted again, nor is tearing it down:
    // the whole worker is replaced, and the next request gets a fresh one.
    runtimes.delete(msg.app.id);
    lastUsed.delete(msg.app.id);
    unsound = true;
  }
  return frame;
}

async function invoke(msg: InvokeMessage): Promise<string> {
  const { requestId } = msg.event;
  try {
    // The pool sends only the event types listed in IMPLEMENTED_EVENTS (wire.ts).
    return await runRequest(msg);
  } catch (e) {
    try {
      appendLog(store as Store, msg.app.id, {
        level: "error",
        message: String((e as Error).stack ?? e),
        requestId,
      });
    } catch {
      // the log is best effort
    }
    const message = `the app's code could not start: ${(e as Error).message}`;
    return encodeAnswer(errorWire(new FaztError("HANDLER_ERROR", message), requestId));
  }
}

// The pool sends a worker one invocation at a time (a runtime's state and the heap guard rely
// on it); the chain only keeps that true should two ever arrive.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<InitMessage | string>) => {
  if (typeof event.data === "string") {
    const msg = JSON.parse(event.data) as InvokeMessage;
    queue = queue.then(async () => {
      const frame = await invoke(msg);
      self.postMessage(doneMessage(msg.id, unsound, frame));
    });
    return;
  }
  const msg = event.data;
  if (msg.type === "init") {
    opening = openWorkerDatabase(msg.dbPath);
    opening.catch(() => {}); // reported by the first request, as "could not start"
    // A worker starts because a request needs it: the engine loads now, alongside that request's message.
    engine = loadEngine(msg.wasm);
    if (!msg.wasm) {
      void compileEngine().then((wasm) =>
        self.postMessage({ type: "compiled", wasm } satisfies CompiledMessage),
      );
    }
  }
};
