import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { shouldInterruptAfterDeadline } from "quickjs-emscripten-core";
import { VERSION } from "../core/build-info.ts";
import prelude from "./prelude.js" with { type: "text" };
import { isModuleSource } from "./source.ts";
import type { RunMessage, WireResponse, WireUser } from "./wire.ts";

/** What app code may reach on the host, for one app: storage, logs, env, its files. */
export interface HostServices {
  call(op: string, scope: "app" | "user", args: unknown[], user: WireUser | null): unknown;
  log(level: string, message: string, requestId: string): void;
  env(): Record<string, string>;
  /** The version's `api/` and `private/` files by path. */
  files: Map<string, Uint8Array>;
}

export interface Limits {
  timeoutMs: number;
  memoryBytes: number;
  stackBytes: number;
}

/** Why a runtime must be thrown away after a request. */
export type Broken = "timeout" | "memory" | null;

class HostError extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly code = "",
  ) {
    super(message);
  }
}

const decoder = new TextDecoder();


/** Normalises `name` relative to `from` inside `api/`; anything leaving it is refused. */
export function resolveApiPath(from: string, name: string): string {
  if (!name.startsWith("./") && !name.startsWith("../"))
    throw new HostError(`cannot import "${name}": only relative files of api/`);
  const parts = from.split("/").slice(0, -1);
  for (const seg of name.split("/")) {
    if (seg === "." || seg === "") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  let path = parts.join("/");
  if (!path.startsWith("api/")) throw new HostError(`cannot import "${name}": outside api/`);
  if (!/\.(m?js|json)$/.test(path)) path += ".js";
  return path;
}

/**
 * One app version's QuickJS runtime: its own heap and limits, the prelude,
 * the app's module (compiled once) or classic script. Never shared between
 * apps. Thrown away after a timeout or running out of memory.
 */
export class AppRuntime {
  readonly rt: QuickJSRuntime;
  readonly vm: QuickJSContext;
  readonly #source: string;
  readonly #module: boolean;
  #handler: QuickJSHandle | undefined;
  // Per request.
  #user: WireUser | null = null;
  #requestId = "";
  #env: Record<string, string> = {};
  /** Set when the request called setTimeout: only then are timers cleared afterwards. */
  #timersUsed = false;

  constructor(
    qjs: QuickJSWASMModule,
    readonly app: { id: string; name: string; versionId: string },
    readonly services: HostServices,
    public limits: Limits,
  ) {
    const main = services.files.get("api/main.js");
    if (!main) throw new HostError("this app has no api/main.js");
    this.#source = decoder.decode(main);
    this.#module = isModuleSource(this.#source);
    this.rt = qjs.newRuntime();
    this.rt.setMemoryLimit(limits.memoryBytes);
    this.rt.setMaxStackSize(limits.stackBytes);
    this.rt.setModuleLoader(
      (name) => {
        const bytes = services.files.get(name);
        if (!bytes) return { error: new Error(`no file ${name}`) };
        return decoder.decode(bytes);
      },
      (base, requested) => resolveApiPath(base, requested),
    );
    this.vm = this.rt.newContext();
    const host = this.vm.newFunction("__host", (opH, argsH) => {
      const op = this.vm.getString(opH);
      const args = JSON.parse(this.vm.getString(argsH)) as unknown;
      try {
        const v = this.#hostCall(op, args);
        return this.vm.newString(JSON.stringify(v === undefined ? null : { v }));
      } catch (e) {
        const err = e as { message?: string; status?: number; code?: string; name?: string };
        return this.vm.newString(
          JSON.stringify({
            __error: {
              message: err.message ?? String(e),
              status: err.status ?? 0,
              code: err.code ?? "",
              name: "Error",
            },
          }),
        );
      }
    });
    this.vm.setProp(this.vm.global, "__host", host);
    host.dispose();
    this.#deadline(Date.now() + limits.timeoutMs);
    this.vm.unwrapResult(this.vm.evalCode(prelude, "fazt:prelude", { type: "global" })).dispose();
  }

  #deadline(at: number): void {
    this.rt.setInterruptHandler(shouldInterruptAfterDeadline(at));
  }

  #hostCall(op: string, args: unknown): unknown {
    switch (op) {
      case "info":
        return { version: VERSION, app: { id: this.app.id, name: this.app.name } };
      case "uuid":
        return crypto.randomUUID();
      case "timers":
        this.#timersUsed = true;
        return undefined;
      case "random": {
        const n = Math.min(Math.max(0, Number(args) | 0), 65536);
        return Buffer.from(crypto.getRandomValues(new Uint8Array(n))).toString("base64");
      }
      case "log": {
        const { level, message } = args as { level: string; message: string };
        this.services.log(level, String(message), this.#requestId);
        return undefined;
      }
      case "env.get":
        return this.#env[String(args)];
      case "auth.user":
        return this.#user ?? undefined;
      case "private.read": {
        const bytes = this.services.files.get(privatePath(args));
        return bytes ? decoder.decode(bytes) : undefined;
      }
      case "private.exists":
        return this.services.files.has(privatePath(args));
      case "private.list":
        return [...this.services.files.keys()].filter((p) => p.startsWith("private/")).map((p) => p.slice(8));
      case "resolve": {
        const { from, name } = args as { from: string; name: string };
        return resolveApiPath(from, name);
      }
      case "source": {
        const bytes = this.services.files.get(String(args));
        if (!bytes) throw new HostError(`cannot require "${String(args)}": no such file`);
        return decoder.decode(bytes);
      }
      default: {
        const { scope, args: list } = args as { scope: "app" | "user"; args: unknown[] };
        return this.services.call(op, scope, list, this.#user);
      }
    }
  }

  /** Runs one request to completion (or to its limit). */
  async handle(msg: RunMessage): Promise<{ res: WireResponse; broken: Broken }> {
    this.limits = msg.limits;
    const deadline = Date.now() + this.limits.timeoutMs;
    this.#deadline(deadline);
    this.#user = msg.user;
    this.#requestId = msg.requestId;
    this.#env = this.services.env();
    const vm = this.vm;
    try {
      // One crossing into the VM per request; the prelude builds the request, calls the
      // handler and returns the response's wire form (or a promise of it).
      let call: ReturnType<QuickJSContext["callFunction"]>;
      if (this.#module) {
        await this.#moduleHandler(deadline);
        const dispatch = vm.getProp(vm.global, "__dispatch");
        const json = vm.newString(
          JSON.stringify({
            method: msg.req.method,
            url: msg.req.url,
            headers: msg.req.headers,
            body: msg.req.body,
            form: msg.req.form,
            ctx: {
              app: { id: this.app.id, name: this.app.name },
              user: msg.user,
              env: this.#env,
              requestId: msg.requestId,
            },
          }),
        );
        call = vm.callFunction(dispatch, vm.undefined, json);
        dispatch.dispose();
        json.dispose();
      } else {
        const classic = vm.getProp(vm.global, "__classic");
        const json = vm.newString(
          JSON.stringify({
            method: msg.req.method,
            path: msg.req.path,
            query: msg.req.query,
            headers: msg.req.headers,
            body: msg.req.parsed,
            files: msg.req.files,
          }),
        );
        const code = this.#sourceHandle();
        call = vm.callFunction(classic, vm.undefined, json, code);
        classic.dispose();
        json.dispose();
      }
      const first = this.#unwrap(call);
      // A handler that answered synchronously needs no job loop (its jobs run with the next request's).
      const wire = vm.typeof(first) === "string" ? first : await this.#settle(first, deadline);
      const res = JSON.parse(vm.getString(wire)) as WireResponse;
      wire.dispose();
      return { res, broken: null };
    } catch (e) {
      return this.#failure(e, msg, Date.now() >= deadline);
    } finally {
      this.#user = null;
      if (this.#timersUsed) this.#clearTimers();
      this.#timersUsed = false;
    }
  }

  #clearTimers(): void {
    try {
      const clear = this.vm.getProp(this.vm.global, "__clearTimers");
      this.vm.unwrapResult(this.vm.callFunction(clear, this.vm.undefined)).dispose();
      clear.dispose();
    } catch {
      // a broken runtime is replaced anyway
    }
  }

  #source_: QuickJSHandle | undefined;
  /** The classic script's text as a VM string, made once. */
  #sourceHandle(): QuickJSHandle {
    this.#source_ ??= this.vm.newString(this.#source);
    return this.#source_;
  }

  /** The module's default export, evaluated once per version. */
  async #moduleHandler(deadline: number): Promise<QuickJSHandle> {
    if (this.#handler) return this.#handler;
    const ns = await this.#settle(
      this.#unwrap(this.vm.evalCode(this.#source, "api/main.js", { type: "module" })),
      deadline,
    );
    const def = this.vm.getProp(ns, "default");
    ns.dispose();
    const kind = this.vm.typeof(def);
    if (kind !== "function" && kind !== "object") {
      def.dispose();
      throw new HostError("api/main.js must `export default` a function or an object with fetch()");
    }
    // The prelude's dispatcher calls it from there on.
    this.vm.setProp(this.vm.global, "__handler", def);
    this.#handler = def;
    return def;
  }

  /** A call's value, or its exception read out of the VM (keeping Fazt's status marks). */
  #unwrap(r: ReturnType<QuickJSContext["callFunction"]>): QuickJSHandle {
    if (r.error) throw new QuickJSThrown(this.vm, r.error);
    return r.value;
  }

  /** Drives promises and timers until `h` settles, the deadline passes, or nothing can happen any more. */
  async #settle(h: QuickJSHandle, deadline: number): Promise<QuickJSHandle> {
    const vm = this.vm;
    for (;;) {
      const jobs = this.rt.executePendingJobs();
      if (jobs.error) {
        h.dispose();
        throw new QuickJSThrown(vm, jobs.error);
      }
      const state = vm.getPromiseState(h);
      if (state.type === "fulfilled") {
        if (state.notAPromise) return h;
        h.dispose();
        return state.value;
      }
      if (state.type === "rejected") {
        h.dispose();
        const err = state.error;
        throw new QuickJSThrown(vm, err);
      }
      const run = vm.getProp(vm.global, "__runTimers");
      const next = vm.unwrapResult(vm.callFunction(run, vm.undefined));
      run.dispose();
      const delay = vm.getNumber(next);
      next.dispose();
      if (this.rt.hasPendingJob()) continue;
      if (delay < 0) {
        h.dispose();
        throw new HostError("the handler's promise never settled", 500, "HANDLER_ERROR");
      }
      if (Date.now() + delay > deadline) {
        h.dispose();
        throw new HostError("interrupted", 504, "TIMEOUT");
      }
      await Bun.sleep(delay);
    }
  }

  #failure(e: unknown, msg: RunMessage, pastDeadline: boolean): { res: WireResponse; broken: Broken } {
    let name = "Error";
    let message = String(e);
    let stack = "";
    let status = 0;
    let code = "";
    if (e instanceof QuickJSThrown) ({ name, message, stack, status, code } = e.info);
    else if (e instanceof HostError) ({ message, status, code } = e);
    else if (e && typeof e === "object" && "name" in e) {
      // quickjs-emscripten's unwrapResult throws a host Error copied from the VM's.
      const x = e as { name: string; message: string; stack?: string };
      name = x.name;
      message = x.message;
      stack = x.stack ?? "";
      const err = e as { cause?: unknown };
      if (err.cause && typeof err.cause === "object" && "__faztStatus" in (err.cause as object)) {
        status = Number((err.cause as { __faztStatus: number }).__faztStatus);
      }
    }
    // Past the deadline, whatever surfaced is the interruption's doing (QuickJS does not always
    // report it as "interrupted" when it strikes inside a job).
    const interrupted =
      pastDeadline || (name === "InternalError" && /interrupted/.test(message)) || code === "TIMEOUT";
    const oom = /out of memory/i.test(message);
    if (interrupted) {
      this.services.log(
        "error",
        `request ${msg.requestId} stopped after ${this.limits.timeoutMs} ms`,
        msg.requestId,
      );
      return {
        res: errorWire(
          504,
          "TIMEOUT",
          `the app's code ran longer than ${this.limits.timeoutMs} ms`,
          msg.requestId,
        ),
        broken: "timeout",
      };
    }
    if (oom) {
      this.services.log("error", `request ${msg.requestId} ran out of memory`, msg.requestId);
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
    this.services.log("error", `${name}: ${message}${stack ? `\n${stack}` : ""}`, msg.requestId);
    const shown = status >= 400 && status < 500 ? message : `the app's code failed: ${name}: ${message}`;
    return {
      res: errorWire(status >= 400 ? status : 500, code || "HANDLER_ERROR", shown, msg.requestId),
      broken: null,
    };
  }

  /** Frees the runtime; false when QuickJS could not tear it down (then the worker must go). */
  dispose(): boolean {
    try {
      this.#handler?.dispose();
      this.#source_?.dispose();
      this.vm.dispose();
      this.rt.dispose();
      return true;
    } catch {
      return false;
    }
  }
}

/** A value thrown inside the VM, read into plain data (and the handle released). */
class QuickJSThrown extends Error {
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

function privatePath(arg: unknown): string {
  const p = String(arg ?? "").replace(/^\/+/, "");
  if (!p || p.split("/").some((s) => s === ".." || s === "." || s === "") || p.includes("\\")) {
    throw new HostError(`refused private path "${String(arg)}"`, 400, "VALIDATION_FAILED");
  }
  return `private/${p}`;
}

function errorWire(status: number, code: string, message: string, requestId: string): WireResponse {
  const body = JSON.stringify({ error: { code, message, requestId } });
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: Buffer.from(body).toString("base64"),
  };
}
