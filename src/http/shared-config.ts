import type { Config } from "../db/index.ts";

/** The settings a listener thread answers with. */
export type ListenerConfig = Pick<Config, "domain" | "https" | "accessLog">;

const HEADER = 8;
const BYTES = 4096;

/**
 * The main thread's current `ListenerConfig` in shared memory, so a change
 * (through the API, or `server set-config --access-log`) applies in every
 * listener thread to the very next request, not after a message arrives.
 * A sequence lock: [0] is odd while the main thread writes, [1] the length.
 */
export class SharedConfig {
  readonly #seq: Int32Array;
  readonly #bytes: Uint8Array;
  #seen = -1;
  #current: ListenerConfig | undefined;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(HEADER + BYTES)) {
    this.#seq = new Int32Array(buffer, 0, 2);
    this.#bytes = new Uint8Array(buffer, HEADER);
  }

  /** The main thread's side. */
  write(config: ListenerConfig): void {
    const { domain, https, accessLog } = config;
    const json = new TextEncoder().encode(JSON.stringify({ domain, https, accessLog }));
    if (json.byteLength > BYTES) throw new Error("the listener config does not fit its shared buffer");
    Atomics.add(this.#seq, 0, 1);
    this.#bytes.set(json);
    Atomics.store(this.#seq, 1, json.byteLength);
    Atomics.add(this.#seq, 0, 1);
  }

  /** A listener's side: the latest config (one atomic read when nothing changed). */
  read(): ListenerConfig {
    const seq = Atomics.load(this.#seq, 0);
    if (seq !== this.#seen && (seq & 1) === 0) {
      const length = Atomics.load(this.#seq, 1);
      // Copied out first: TextDecoder does not read shared memory.
      const text = new TextDecoder().decode(this.#bytes.slice(0, length));
      // A write that began meanwhile: keep the last config and read again on the next request.
      if (Atomics.load(this.#seq, 0) === seq) {
        this.#current = JSON.parse(text) as ListenerConfig;
        this.#seen = seq;
      }
    }
    if (this.#current === undefined) throw new Error("the listener config was never written");
    return this.#current;
  }
}
