/**
 * What crosses between the serving thread and the runtime workers. An
 * invocation and its answer each cross as one string (`postMessage` copies a
 * string for a fraction of what cloning an object costs: measured 2.2 µs
 * against 6 µs per side for a hello request); only `init` and `compiled`,
 * which carry the engine's compiled WebAssembly, cross as objects.
 */

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
  /** Lower-case names; the session cookie already removed. */
  headers: Record<string, string>;
  /** A body that is valid UTF-8, as text (JSON, forms, text: most bodies)… */
  text?: string;
  /** …or any other body, base64 ("" for none). */
  body: string;
  /** A multipart body, read on the serving thread. */
  form?: { fields: Record<string, string>; files: WireFile[] };
  /** Older callers' fields, ignored: classic style's `query` and `body` are derived in the worker. */
  query?: Record<string, string>;
  parsed?: unknown;
  files?: WireFile[];
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

/** Serving thread → worker: run one event for one app (sent as its JSON text). */
export interface InvokeMessage {
  type: "invoke";
  id: number;
  app: AppRef;
  event: RequestEvent;
  limits: Limits;
}

/**
 * Worker → serving thread: the answer to one InvokeMessage, as the text
 * `ID \n RECYCLE \n FRAME`. ID and RECYCLE ("1": the worker's QuickJS
 * instance may be unsound — a runtime stopped mid-way cannot always be torn
 * down — and the pool replaces the worker) are written by the worker; the
 * frame (`encodeAnswer`) is what the app's code produced, so nothing in it
 * can pass for another request's answer.
 */
export function doneMessage(id: number, recycle: boolean, frame: string): string {
  return `${id}\n${recycle ? 1 : 0}\n${frame}`;
}

export function readDoneMessage(text: string): { id: number; recycle: boolean; res: WireResponse | null } {
  const a = text.indexOf("\n");
  const b = text.indexOf("\n", a + 1);
  return {
    id: Number(text.slice(0, a)),
    recycle: text.charCodeAt(a + 1) === 49,
    res: decodeAnswer(text.slice(b + 1)),
  };
}

/**
 * An answer as one string, as the prelude writes it too (prelude/app.js
 * `wire`): `T` or `B`, the status, `\n`, the headers as JSON, `\n`, then the
 * body as it is (`T`: text) or base64 (`B`: bytes). A text body crosses
 * without being escaped into JSON and parsed back.
 */
export function encodeAnswer(res: WireResponse): string {
  const head = `${String(res.status).replace(/\n/g, " ")}\n${JSON.stringify(res.headers)}\n`;
  return res.text !== undefined ? `T${head}${res.text}` : `B${head}${res.body ?? ""}`;
}

/**
 * An answer frame read back; null when malformed (headers that are not an
 * object, a frame cut short): the app's code wrote it, so the caller answers
 * 500 then. Header values come back as strings.
 */
export function decodeAnswer(frame: string): WireResponse | null {
  const a = frame.indexOf("\n");
  const b = a < 0 ? -1 : frame.indexOf("\n", a + 1);
  const kind = frame[0];
  let headers: unknown;
  try {
    headers = b < 0 ? undefined : JSON.parse(frame.slice(a + 1, b));
  } catch {
    headers = undefined;
  }
  if ((kind !== "T" && kind !== "B") || !headers || typeof headers !== "object" || Array.isArray(headers)) {
    return null;
  }
  const h = headers as Record<string, unknown>;
  for (const k in h) if (typeof h[k] !== "string") h[k] = String(h[k]);
  const statusText = frame.slice(1, a);
  // A classic-style `respond("201", …)` gives a string: kept as written when it is no number.
  const status = /^[0-9]{1,3}$/.test(statusText) ? Number(statusText) : (statusText as unknown as number);
  const payload = frame.slice(b + 1);
  return kind === "T"
    ? { status, headers: h as Record<string, string>, text: payload }
    : { status, headers: h as Record<string, string>, body: payload };
}
