/**
 * A runtime worker: a thread of its own that runs app code, so a handler
 * that spins never stalls static serving. It holds one QuickJS runtime per
 * app (per deployed version) that ran here — an app may run on several
 * workers, each with its own runtime and module state — and its own
 * database connection, SQLite or PostgreSQL (database.ts).
 */
import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import { appendLog, type LogLevel, readEnv } from "../apps/index.ts";
import { FaztError } from "../core/index.ts";
import type { Store } from "../db/index.ts";
import { createStorage } from "../storage/index.ts";
import { openWorkerDatabase, type WorkerDatabase } from "./database.ts";
import { compileEngine, loadEngine } from "./engine.ts";
import { errorWire } from "./failure.ts";
import { AppRuntime, type HostServices } from "./sandbox.ts";
import type {
  CompiledMessage,
  DoneMessage,
  InitMessage,
  InvokeMessage,
  WireResponse,
  WireUser,
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
  const rows = db.engine.all<{ path: string; data: Uint8Array }>(
    `SELECT f.path, b.data FROM version_files f JOIN blobs b ON b.sha256 = f.sha256
     WHERE f.version_id = ? AND (f.path LIKE 'api/%' OR f.path LIKE 'private/%')`,
    [versionId],
  );
  return new Map(rows.map((r) => [r.path, new Uint8Array(r.data)]));
}

function services(database: WorkerDatabase, appId: string, versionId: string): HostServices {
  // apps/ reads through the store's engine only (database.ts): on PostgreSQL there is nothing else.
  const db = database as Store;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
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
      const s = createStorage(db.engine, appId, scope === "user" ? user!.id : "") as unknown as Record<
        string,
        Record<string, (...a: unknown[]) => unknown>
      >;
      const [area, method] = op.split(".") as [string, string];
      const fn = s[area]?.[method];
      if (!fn || !["kv", "ds", "s3"].includes(area)) throw new Error(`unknown storage call ${op}`);
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

async function runRequest(msg: InvokeMessage): Promise<WireResponse> {
  const rt = await runtimeFor(msg);
  const { res, broken, oversized } = await rt.handle(msg.event, msg.limits);
  // Finished cleanly but holding too much: freed now, a fresh runtime next time.
  if (oversized) evict(msg.app.id);
  if (broken) {
    // A runtime stopped mid-way (time or memory) is not trusted again, nor is tearing it down:
    // the whole worker is replaced, and the next request gets a fresh one.
    runtimes.delete(msg.app.id);
    lastUsed.delete(msg.app.id);
    unsound = true;
  }
  return res;
}

async function invoke(msg: InvokeMessage): Promise<WireResponse> {
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
    return errorWire(new FaztError("HANDLER_ERROR", message), requestId);
  }
}

// The pool sends a worker one invocation at a time (a runtime's state and the heap guard rely
// on it); the chain only keeps that true should two ever arrive.
let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<InitMessage | InvokeMessage>) => {
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
    return;
  }
  queue = queue.then(async () => {
    const res = await invoke(msg);
    self.postMessage({ type: "done", id: msg.id, res, recycle: unsound } satisfies DoneMessage);
  });
};
