/**
 * How app code that did not end in a response is answered: 504 TIMEOUT,
 * 500 OUT_OF_MEMORY, 401/403 from `fazt.auth.require*`, and 500
 * HANDLER_ERROR for anything thrown — whose message reaches the client only
 * in development; the stack always goes to the app's log only.
 *
 * Every failure is a FaztError by the time it is answered, and `errorWire`
 * is the one place its wire form is built (the worker, the pool and the
 * HTTP side all use it).
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { type ErrorCode, FaztError } from "../core/index.ts";
import type { Limits, RequestEvent, WireResponse } from "./wire.ts";

/** Why a runtime must be thrown away after a request. */
export type Broken = "timeout" | "memory" | null;

/** What a FaztError read out of the VM keeps besides its message (never shown to the client). */
interface ThrownInVm {
  name: string;
  stack: string;
}

const JSON_TYPE = "application/json; charset=utf-8";

/** The one error answer of the runtime: `{"error": {"code", "message", "requestId"}}` with the error's status. */
export function errorWire(e: FaztError, requestId: string): WireResponse {
  return {
    status: e.status,
    headers: { ...e.headers, "content-type": JSON_TYPE },
    text: JSON.stringify({ error: { code: e.code, message: e.message, requestId } }),
  };
}

/** An answer frame that does not read back (wire.ts `decodeAnswer`): the app's code wrote it. */
export const malformedAnswer = (): FaztError =>
  new FaztError("HANDLER_ERROR", "the app's code answered something that is not a response");

/**
 * A value thrown inside the VM, read into a FaztError (and the handle
 * released). Its status and code are Fazt's marks when the host or the
 * prelude set them (a storage refusal, `requireLogin`), else 500
 * HANDLER_ERROR; the VM's name and stack ride along in `cause` for the log.
 */
export function vmError(vm: QuickJSContext, err: QuickJSHandle): FaztError {
  // Past the deadline the interrupt handler would stop this read-out too.
  vm.runtime.removeInterruptHandler();
  const fn = vm.getProp(vm.global, "__errorWire");
  const r = vm.callFunction(fn, vm.undefined, err);
  fn.dispose();
  err.dispose();
  let info = { name: "Error", message: "unknown error", stack: "", status: 0, code: "" };
  if (r.error) r.error.dispose();
  else {
    info = JSON.parse(vm.getString(r.value));
    r.value.dispose();
  }
  return marked(info);
}

/** `fazt.auth.require*` marks only a status. */
const BY_STATUS: Record<number, ErrorCode> = { 401: "UNAUTHORIZED", 403: "FORBIDDEN" };

function marked(info: { name: string; message: string; stack: string; status: number; code: string }) {
  const status = Number(info.status) || 500;
  // A code given on the host side (storage's VALIDATION_FAILED, CONFLICT…) names a client error;
  // anything else the app's code threw is its own failure.
  const code = (status < 500 && info.code ? info.code : (BY_STATUS[status] ?? "HANDLER_ERROR")) as ErrorCode;
  const cause: ThrownInVm = { name: info.name, stack: info.stack };
  return new FaztError(code, info.message, { status, cause });
}

/** Any thrown value as a FaztError: FaztErrors as they are, quickjs-emscripten's host copies with their marks. */
function asFaztError(e: unknown): FaztError {
  if (e instanceof FaztError) return e;
  if (e && typeof e === "object" && "name" in e) {
    // quickjs-emscripten's unwrapResult throws a host Error copied from the VM's.
    const x = e as { name: string; message: string; stack?: string; cause?: unknown };
    const cause = x.cause && typeof x.cause === "object" ? (x.cause as { __faztStatus?: number }) : undefined;
    const status = cause && "__faztStatus" in cause ? Number(cause.__faztStatus) : 0;
    return marked({ name: x.name, message: x.message, stack: x.stack ?? "", status, code: "" });
  }
  return marked({ name: "Error", message: String(e), stack: "", status: 0, code: "" });
}

export interface FailureContext {
  event: RequestEvent;
  limits: Limits;
  log(level: string, message: string): void;
  pastDeadline: boolean;
  /** Set when the heap guard refused memory during this request. */
  heapRefused: boolean;
}

/** The answer to a failed request, and whether its runtime can be trusted again. */
export function failureWire(thrown: unknown, f: FailureContext): { res: WireResponse; broken: Broken } {
  const { event, limits } = f;
  const { requestId } = event;
  const e = asFaztError(thrown);
  const vm = e.cause as Partial<ThrownInVm> | undefined;
  const name = vm?.name ?? "Error";
  const stack = vm?.stack ?? "";
  const { message, status } = e;
  // Past the deadline, whatever surfaced is the interruption's doing (QuickJS does not always
  // report it as "interrupted" when it strikes inside a job).
  const interrupted =
    f.pastDeadline || (name === "InternalError" && /interrupted/.test(message)) || e.code === "TIMEOUT";
  // "string too long": a string past QuickJS's length cap, far beyond any heap limit.
  const oom = f.heapRefused || /out of memory|string too long/i.test(message);
  if (interrupted && !oom) {
    f.log("error", `request ${requestId} stopped after ${limits.timeoutMs} ms`);
    const timeout = new FaztError("TIMEOUT", `the app's code ran longer than ${limits.timeoutMs} ms`);
    return { res: errorWire(timeout, requestId), broken: "timeout" };
  }
  if (oom) {
    f.log("error", `request ${requestId} ran out of memory (${name}: ${message})`);
    const oomError = new FaztError("OUT_OF_MEMORY", "the app's code ran out of memory");
    return { res: errorWire(oomError, requestId), broken: "memory" };
  }
  if (status === 401 && event.browser) {
    const to = `/auth/login?redirect=${encodeURIComponent(event.req.path)}`;
    return { res: { status: 302, headers: { location: to }, text: "" }, broken: null };
  }
  if (status === 401 || status === 403) return { res: errorWire(e, requestId), broken: null };
  f.log("error", `${name}: ${message}${stack ? `\n${stack}` : ""}`);
  if (status >= 400 && status < 500) return { res: errorWire(e, requestId), broken: null };
  // The thrown message may carry secrets or internals: shown to the client in development only.
  const shown = limits.development
    ? `the app's code failed: ${name}: ${message}`
    : "the app's code failed (the details are in the app's log, under this request id)";
  const failed = new FaztError("HANDLER_ERROR", shown, { status: Math.max(status, 500) });
  return { res: errorWire(failed, requestId), broken: null };
}
