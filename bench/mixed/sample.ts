/** Sampling a figure at a fixed interval while a load runs, and reading the samples. */

/**
 * The `q` quantile (0..1) of `xs` by the nearest-rank method: the smallest
 * sample that at least `q` of the samples do not exceed.
 */
export function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new Error(`a quantile is between 0 and 1 (got ${q})`);
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Calls `read` now and every `everyMs` until stopped, keeping what it
 * returns. A reading that throws or returns undefined (the process already
 * gone) is skipped.
 */
export function sampler<T>(read: () => T | undefined, everyMs: number) {
  const samples: T[] = [];
  const take = () => {
    try {
      const v = read();
      if (v !== undefined) samples.push(v);
    } catch {
      // not a sample
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): void {
      clearInterval(timer);
    },
    samples(): T[] {
      return [...samples];
    },
  };
}
