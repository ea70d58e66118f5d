import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { shouldInterruptAfterDeadline } from "quickjs-emscripten-core";
import { isModuleSource } from "../apps/index.ts";
import { FaztError } from "../core/index.ts";
import { classicRequest } from "./classic.ts";
import { type Broken, failureWire, vmError } from "./failure.ts";
import { type HeapGuard, heapGuard } from "./heap.ts";
import { type CallContext, type HostServices, hostAnswer, hostCall, resolveApiPath } from "./host-calls.ts";
import preludeApp from "./prelude/app.js" with { type: "text" };
import preludeBase from "./prelude/base.js" with { type: "text" };
import preludeWeb from "./prelude/web.js" with { type: "text" };
import { type AppRef, encodeAnswer, type Limits, type RequestEvent, type WireUser } from "./wire.ts";

export type { Broken } from "./failure.ts";
export { type HostServices, RawJson, resolveApiPath } from "./host-calls.ts";

/** How a request ended: its answer, and what the worker must do with the runtime. */
export interface Outcome {
  /** The answer frame (wire.ts `encodeAnswer`). */
  frame: string;
  /** Stopped mid-way: neither the runtime nor its teardown is trusted. */
  broken: Broken;
  /** Finished, but the runtime holds more than its heap limit between requests: free it. */
  oversized?: boolean;
}

const decoder = new TextDecoder();

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
  readonly #heap: HeapGuard;
  #handler: QuickJSHandle | undefined;
  /** The prelude's entry for this style (`__dispatch` or `__classic`), taken once after the prelude ran. */
  readonly #entry: QuickJSHandle;
  // Per request.
  #user: WireUser | null = null;
  #requestId = "";
  /** Read on the request's first use of the env, then kept for the rest of the request. */
  #env: Record<string, string> | undefined;
  /** Set when the request called setTimeout: only then are timers cleared afterwards. */
  #timersUsed = false;

  constructor(
    qjs: QuickJSWASMModule,
    readonly app: AppRef,
    readonly services: HostServices,
    public limits: Limits,
  ) {
    const main = services.files.get("api/main.js");
    if (!main) throw new FaztError("HANDLER_ERROR", "this app has no api/main.js");
    this.#source = decoder.decode(main);
    this.#module = isModuleSource(this.#source);
    this.#heap = heapGuard(qjs);
    this.rt = qjs.newRuntime();
    // Bounds a single allocation; the total is kept by the heap guard (heap.ts).
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
    const calls: CallContext = {
      app: { id: app.id, name: app.name },
      services,
      user: () => this.#user,
      requestId: () => this.#requestId,
      env: () => {
        this.#env ??= this.services.env();
        return this.#env;
      },
      usedTimers: () => {
        this.#timersUsed = true;
      },
    };
    const host = this.vm.newFunction("__host", (opH, argsH) => {
      const op = this.vm.getString(opH);
      const args = JSON.parse(this.vm.getString(argsH)) as unknown;
      try {
        return this.vm.newString(hostAnswer(hostCall(calls, op, args)));
      } catch (e) {
        // A client error keeps its status and code inside the VM (an uncaught one answers with
        // them); anything else is a plain Error there, as if the app's code had thrown it.
        const marked = e instanceof FaztError && e.status < 500;
        return this.vm.newString(
          JSON.stringify({
            __error: {
              message: e instanceof Error ? e.message : String(e),
              status: marked ? e.status : 0,
              code: marked ? e.code : "",
              name: "Error",
            },
          }),
        );
      }
    });
    this.vm.setProp(this.vm.global, "__host", host);
    host.dispose();
    this.#deadline(Date.now() + limits.timeoutMs);
    // In order: each part hands its helpers to the next (prelude/base.js says how).
    for (const [name, code] of [
      ["base", preludeBase],
      ["web", preludeWeb],
      ["app", preludeApp],
    ] as const) {
      this.vm.unwrapResult(this.vm.evalCode(code, `fazt:prelude/${name}`, { type: "global" })).dispose();
    }
    this.#entry = this.vm.getProp(this.vm.global, this.#module ? "__dispatch" : "__classic");
  }

  #deadline(at: number): void {
    this.rt.setInterruptHandler(shouldInterruptAfterDeadline(at));
  }

  /** Runs one request to completion (or to its limit). */
  async handle(event: RequestEvent, limits: Limits): Promise<Outcome> {
    this.limits = limits;
    const deadline = Date.now() + this.limits.timeoutMs;
    this.#deadline(deadline);
    this.#user = event.user;
    this.#requestId = event.requestId;
    this.#env = undefined;
    this.#heap.limit(this.limits.memoryBytes);
    let outcome: Outcome;
    try {
      outcome = { frame: await this.#run(event, deadline), broken: null };
    } catch (e) {
      const failed = failureWire(e, {
        event,
        limits,
        log: (level, message) => this.services.log(level, message, event.requestId),
        pastDeadline: Date.now() >= deadline,
        heapRefused: this.#heap.refused,
      });
      outcome = { frame: encodeAnswer(failed.res), broken: failed.broken };
    } finally {
      this.#user = null;
      if (this.#timersUsed) this.#clearTimers();
      this.#timersUsed = false;
    }
    const { grew } = this.#heap.release();
    // Growth is allowed per request; what the runtime keeps between requests must fit the limit too.
    if (grew && !outcome.broken && this.#heldBytes() > this.limits.memoryBytes) {
      this.services.log(
        "warn",
        `the app's code keeps more than ${this.limits.memoryBytes} bytes between requests: its state was reset`,
        event.requestId,
      );
      outcome.oversized = true;
    }
    return outcome;
  }

  /** One crossing into the VM per request: the prelude builds the request, calls the handler, returns the answer frame. */
  async #run(event: RequestEvent, deadline: number): Promise<string> {
    // The request as it crossed from the serving thread (its body already read and counted there).
    const { req: wire } = event;
    const vm = this.vm;
    let call: ReturnType<QuickJSContext["callFunction"]>;
    if (this.#module) {
      await this.#moduleHandler(deadline);
      const json = vm.newString(
        JSON.stringify({
          method: wire.method,
          url: wire.url,
          // As text: parsed inside only if the handler reads them.
          headers: JSON.stringify(wire.headers),
          text: wire.text,
          body: wire.body,
          form: wire.form,
          ctx: {
            app: { id: this.app.id, name: this.app.name },
            user: event.user,
            requestId: event.requestId,
          },
        }),
      );
      call = vm.callFunction(this.#entry, vm.undefined, json);
      json.dispose();
    } else {
      const json = vm.newString(JSON.stringify(classicRequest(wire)));
      call = vm.callFunction(this.#entry, vm.undefined, json, this.#sourceHandle());
      json.dispose();
    }
    const first = this.#unwrap(call);
    // A handler that answered synchronously needs no job loop (its jobs run with the next request's).
    const answer = vm.typeof(first) === "string" ? first : await this.#settle(first, deadline);
    const frame = vm.getString(answer);
    answer.dispose();
    return frame;
  }

  /** What the runtime holds now, as QuickJS counts it object by object (not cheap: only after growth). */
  #heldBytes(): number {
    const used = /memory used\s+\d+\s+(\d+)/.exec(this.rt.dumpMemoryUsage());
    return used ? Number(used[1]) : 0;
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
      throw new FaztError(
        "HANDLER_ERROR",
        "api/main.js must `export default` a function or an object with fetch()",
      );
    }
    // The prelude's dispatcher calls it from there on.
    this.vm.setProp(this.vm.global, "__handler", def);
    this.#handler = def;
    return def;
  }

  /** A call's value, or its exception read out of the VM (keeping Fazt's status marks). */
  #unwrap(r: ReturnType<QuickJSContext["callFunction"]>): QuickJSHandle {
    if (r.error) throw vmError(this.vm, r.error);
    return r.value;
  }

  /** Drives promises and timers until `h` settles, the deadline passes, or nothing can happen any more. */
  async #settle(h: QuickJSHandle, deadline: number): Promise<QuickJSHandle> {
    const vm = this.vm;
    for (;;) {
      const jobs = this.rt.executePendingJobs();
      if (jobs.error) {
        h.dispose();
        throw vmError(vm, jobs.error);
      }
      const state = vm.getPromiseState(h);
      if (state.type === "fulfilled") {
        if (state.notAPromise) return h;
        h.dispose();
        return state.value;
      }
      if (state.type === "rejected") {
        h.dispose();
        throw vmError(vm, state.error);
      }
      const run = vm.getProp(vm.global, "__runTimers");
      const next = vm.unwrapResult(vm.callFunction(run, vm.undefined));
      run.dispose();
      const delay = vm.getNumber(next);
      next.dispose();
      if (this.rt.hasPendingJob()) continue;
      if (delay < 0) {
        h.dispose();
        throw new FaztError("HANDLER_ERROR", "the handler's promise never settled");
      }
      if (Date.now() + delay > deadline) {
        h.dispose();
        throw new FaztError("TIMEOUT", "interrupted");
      }
      await Bun.sleep(delay);
    }
  }

  /** Frees the runtime; false when QuickJS could not tear it down (then the worker must go). */
  dispose(): boolean {
    try {
      this.#handler?.dispose();
      this.#entry.dispose();
      this.#source_?.dispose();
      this.vm.dispose();
      this.rt.dispose();
      return true;
    } catch {
      return false;
    }
  }
}
