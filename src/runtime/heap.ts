/**
 * The heap limit that QuickJS alone does not keep. In the prebuilt
 * WebAssembly engine, `setMemoryLimit` bounds each single allocation but
 * never adds them up (emscripten has no `malloc_usable_size`, so QuickJS
 * counts 8 bytes a block): an app pushing arrays grows the engine's memory to
 * its 2 GiB maximum, spending seconds in garbage collection on the way
 * (measured: 1.5 GB and 7–8 s for arrays pushed in a loop).
 *
 * So the limit is kept one level down, where every byte passes: the
 * engine's WebAssembly memory. While a request runs, the memory may grow by
 * at most the app's heap limit; a larger growth is refused, malloc fails, and
 * QuickJS throws "out of memory" at once. The engine is one per worker and a
 * worker runs one request at a time, so any growth during a request is that
 * request's doing.
 */
import type { QuickJSWASMModule } from "quickjs-emscripten-core";

export class HeapGuard {
  #ceiling = Number.POSITIVE_INFINITY;
  #refused = false;
  #startBytes = 0;

  constructor(readonly memory: WebAssembly.Memory) {
    const grow = memory.grow.bind(memory);
    // Emscripten's heap resize calls `memory.grow` and treats a throw as "no more memory".
    memory.grow = (pages: number) => {
      if (memory.buffer.byteLength + pages * 65536 > this.#ceiling) {
        this.#refused = true;
        throw new RangeError("the app's heap limit");
      }
      return grow(pages);
    };
  }

  /** From now until `release()`, the memory may grow by at most `bytes`. */
  limit(bytes: number): void {
    this.#startBytes = this.memory.buffer.byteLength;
    this.#ceiling = this.#startBytes + bytes;
    this.#refused = false;
  }

  /** Whether growth was refused since `limit()` (the "out of memory" is ours). */
  get refused(): boolean {
    return this.#refused;
  }

  /** Lifts the limit; says whether the memory grew while it held. */
  release(): { grew: boolean } {
    this.#ceiling = Number.POSITIVE_INFINITY;
    return { grew: this.memory.buffer.byteLength > this.#startBytes };
  }
}

const guards = new WeakMap<QuickJSWASMModule, HeapGuard>();

/** The guard of an engine's memory (one engine per worker thread). */
export function heapGuard(qjs: QuickJSWASMModule): HeapGuard {
  let guard = guards.get(qjs);
  if (!guard) {
    guard = new HeapGuard(qjs.getWasmMemory());
    guards.set(qjs, guard);
  }
  return guard;
}
