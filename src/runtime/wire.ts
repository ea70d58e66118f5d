/** What crosses between the serving thread and the runtime workers (structured-clone safe). */

export interface WireUser {
  id: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  role: "owner" | "admin" | "user";
  provider: string | null;
}

export interface WireFile {
  field: string;
  name: string;
  type: string;
  size: number;
  /** base64 */
  data: string;
}

export interface WireRequest {
  method: string;
  url: string;
  path: string;
  /** First value per key (classic style). */
  query: Record<string, string>;
  /** Lower-case names; the session cookie already removed. */
  headers: Record<string, string>;
  /** Raw body, base64. */
  body: string;
  /** Classic style's `request.body`: parsed JSON, form fields, or the text. */
  parsed: unknown;
  files: WireFile[];
  form?: { fields: Record<string, string>; files: WireFile[] };
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** A text body, as it is (most handlers answer text or JSON)… */
  text?: string;
  /** …or bytes, base64. */
  body?: string;
}

/** Which app's code to run: the app and its deployed version (a new version starts a fresh runtime). */
export interface AppRef {
  id: string;
  name: string;
  versionId: string;
}

/**
 * Everything app code runs for is one `invoke(app, event)` (runtime.ts):
 * an HTTP request now; WebSocket hooks, cron ticks and background jobs use
 * the same call later, each with its own event type below.
 */
export type RuntimeEvent = RequestEvent | SocketEvent | CronEvent | JobEvent;

/** A request to the app's `/api` or `/api/*`: the handler's `(req, ctx)`, or the classic script. */
export interface RequestEvent {
  type: "request";
  req: WireRequest;
  user: WireUser | null;
  requestId: string;
  /** The client prefers HTML: a 401 from `fazt.auth.requireLogin()` becomes a redirect to sign-in. */
  browser: boolean;
}

/**
 * Not implemented yet (realtime): one of the module's `realtime` hooks for a
 * WebSocket connection; `false` refuses, `onPublish` returns the data to forward.
 */
export interface SocketEvent {
  type: "socket";
  hook: "connect" | "subscribe" | "publish" | "close";
  conn: { id: string; user: WireUser | null };
  channel?: string;
  data?: unknown;
  requestId: string;
}

/** Not implemented yet (cron): a tick, run as a `POST` to `path` with `ctx.cron` and no user. */
export interface CronEvent {
  type: "cron";
  name: string;
  scheduledAt: number;
  path: string;
  requestId: string;
}

/** Not implemented yet (jobs): the default export of a worker file, called with `(job, ctx)`. */
export interface JobEvent {
  type: "job";
  file: string;
  job: { id: string; data: unknown; attempt: number };
  requestId: string;
}

/** What each kind of event answers. */
export interface EventResults {
  request: WireResponse;
  cron: WireResponse;
  socket: { allow: boolean; data?: unknown };
  job: { ok: boolean; error?: string };
}

/** The event types the runtime can run today; the others are refused with a FaztError. */
export const IMPLEMENTED_EVENTS: ReadonlySet<string> = new Set<RuntimeEvent["type"]>(["request"]);

/** Per-run limits, read from the config per invocation: a change applies to the next one (memory: to the next runtime). */
export interface Limits {
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
  /** The instance's env is `development`: thrown messages reach the client. */
  development?: boolean;
}

/** Serving thread → worker: set up (its own database connection). */
export interface InitMessage {
  type: "init";
  dbPath: string;
  /** The engine as an earlier worker compiled it; without it this worker compiles and sends it back. */
  wasm?: WebAssembly.Module;
}

/** Worker → serving thread: the engine this worker compiled, for the workers started after it. */
export interface CompiledMessage {
  type: "compiled";
  wasm: WebAssembly.Module;
}

/** Serving thread → worker: run one event for one app. */
export interface InvokeMessage {
  type: "invoke";
  id: number;
  app: AppRef;
  event: RequestEvent;
  limits: Limits;
}

/** Worker → serving thread: the answer to one InvokeMessage. */
export interface DoneMessage {
  type: "done";
  id: number;
  res: WireResponse;
  /**
   * The worker's QuickJS instance may be unsound (a runtime stopped mid-way
   * cannot always be torn down): the pool replaces the worker.
   */
  recycle?: boolean;
}
