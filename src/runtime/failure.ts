/**
 * How a request that did not end in a response is answered (SPEC §8):
 * 504 TIMEOUT, 500 OUT_OF_MEMORY, 401/403 from `fazt.auth.require*`, and
 * 500 HANDLER_ERROR for anything thrown — whose message reaches the client
 * only in development; the stack always goes to the app's log only.
 */
import type { QuickJSContext, QuickJSHandle } from "quickjs-emscripten-core";
import { HostError } from "./host-calls.ts";
import type { RunMessage, WireResponse } from "./wire.ts";

/** Why a runtime must be thrown away after a request. */
export type Broken = "timeout" | "memory" | null;

/** A value thrown inside the VM, read into plain data (and the handle released). */
export class QuickJSThrown extends Error {
  readonly info: { name: string; message: string; stack: string; status: number; code: string };
  constructor(vm: QuickJSContext, err: QuickJSHandle) {
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
    super(info.message);
    this.info = info;
  }
}

export function errorWire(status: number, code: string, message: string, requestId: string): WireResponse {
  const body = JSON.stringify({ error: { code, message, requestId } });
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: Buffer.from(body).toString("base64"),
  };
}

export interface FailureContext {
  msg: RunMessage;
  log(level: string, message: string): void;
  pastDeadline: boolean;
  /** Set when the heap guard refused memory during this request. */
  heapRefused: boolean;
}

/** What was thrown, as name, message, stack and Fazt's status marks. */
function describe(e: unknown): {
  name: string;
  message: string;
  stack: string;
  status: number;
  code: string;
} {
  if (e instanceof QuickJSThrown) return e.info;
  if (e instanceof HostError)
    return { name: "Error", message: e.message, stack: "", status: e.status, code: e.code };
  if (e && typeof e === "object" && "name" in e) {
    // quickjs-emscripten's unwrapResult throws a host Error copied from the VM's.
    const x = e as { name: string; message: string; stack?: string; cause?: unknown };
    const cause = x.cause && typeof x.cause === "object" ? (x.cause as { __faztStatus?: number }) : undefined;
    const status = cause && "__faztStatus" in cause ? Number(cause.__faztStatus) : 0;
    return { name: x.name, message: x.message, stack: x.stack ?? "", status, code: "" };
  }
  return { name: "Error", message: String(e), stack: "", status: 0, code: "" };
}

/** The answer to a failed request, and whether its runtime can be trusted again. */
export function failureWire(e: unknown, f: FailureContext): { res: WireResponse; broken: Broken } {
  const { msg } = f;
  const { name, message, stack, status, code } = describe(e);
  // Past the deadline, whatever surfaced is the interruption's doing (QuickJS does not always
  // report it as "interrupted" when it strikes inside a job).
  const interrupted =
    f.pastDeadline || (name === "InternalError" && /interrupted/.test(message)) || code === "TIMEOUT";
  // "string too long": a string past QuickJS's length cap, far beyond any heap limit.
  const oom = f.heapRefused || /out of memory|string too long/i.test(message);
  if (interrupted && !oom) {
    f.log("error", `request ${msg.requestId} stopped after ${msg.limits.timeoutMs} ms`);
    return {
      res: errorWire(
        504,
        "TIMEOUT",
        `the app's code ran longer than ${msg.limits.timeoutMs} ms`,
        msg.requestId,
      ),
      broken: "timeout",
    };
  }
  if (oom) {
    f.log("error", `request ${msg.requestId} ran out of memory (${name}: ${message})`);
    return {
      res: errorWire(500, "OUT_OF_MEMORY", "the app's code ran out of memory", msg.requestId),
      broken: "memory",
    };
  }
  if (status === 401) {
    if (msg.browser) {
      const to = `/auth/login?redirect=${encodeURIComponent(msg.req.path)}`;
      return { res: { status: 302, headers: { location: to }, body: "" }, broken: null };
    }
    return { res: errorWire(401, "UNAUTHORIZED", message, msg.requestId), broken: null };
  }
  if (status === 403) return { res: errorWire(403, "FORBIDDEN", message, msg.requestId), broken: null };
  f.log("error", `${name}: ${message}${stack ? `\n${stack}` : ""}`);
  if (status >= 400 && status < 500) {
    return { res: errorWire(status, code || "HANDLER_ERROR", message, msg.requestId), broken: null };
  }
  // The thrown message may carry secrets or internals: shown to the client in development only.
  const shown = msg.limits.development
    ? `the app's code failed: ${name}: ${message}`
    : "the app's code failed (the details are in the app's log, under this request id)";
  return {
    res: errorWire(Math.max(status, 500), code || "HANDLER_ERROR", shown, msg.requestId),
    broken: null,
  };
}
