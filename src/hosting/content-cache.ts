/**
 * Hot file contents kept in memory within a byte budget, least recently used
 * out first. Keys are content hashes (plus the encoding), so an entry can
 * never be stale: a new version simply asks for other keys, and old ones age
 * out.
 */
export class ContentCache {
  readonly #entries = new Map<string, Uint8Array>();
  #bytes = 0;

  constructor(public budget: number) {}

  /** A new budget (the server splits the configured one between its listener threads). */
  resize(budget: number): void {
    this.budget = budget;
    this.#evict();
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Uint8Array | undefined {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // Re-insert: Map order is the recency order.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Uint8Array): void {
    // One entry may use at most a quarter of the budget, so a big file cannot flush the rest.
    if (value.byteLength > this.budget / 4 || this.#entries.has(key)) return;
    this.#entries.set(key, value);
    this.#bytes += value.byteLength;
    this.#evict();
  }

  /** Least recently used out first, until the budget holds. */
  #evict(): void {
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.budget) break;
      this.#entries.delete(k);
      this.#bytes -= v.byteLength;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
