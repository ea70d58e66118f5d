/**
 * Rules indexed by the literal segments their pattern starts with, so that a
 * request only looks at the rules that could match it: a file of 10,000
 * rules for distinct paths costs one walk down a tree per request, not
 * 10,000 tests. Rules are numbered in file order; every list is ascending.
 */
interface Node {
  next: Map<string, Node> | undefined;
  /** Rules whose whole pattern is this literal path: they match without a test. */
  exact: number[] | undefined;
  /** Rules with placeholders or wildcards after this literal prefix: each needs a test. */
  patterns: number[] | undefined;
}

const newNode = (): Node => ({ next: undefined, exact: undefined, patterns: undefined });

export class PathIndex {
  readonly #root = newNode();

  /** Adds rule `index` (added in ascending order) under its literal `prefix`. */
  add(index: number, prefix: string[], exact: boolean): void {
    let node = this.#root;
    for (const seg of prefix) {
      node.next ??= new Map();
      let child = node.next.get(seg);
      if (!child) {
        child = newNode();
        node.next.set(seg, child);
      }
      node = child;
    }
    if (exact) {
      node.exact ??= [];
      node.exact.push(index);
    } else {
      node.patterns ??= [];
      node.patterns.push(index);
    }
  }

  /**
   * The first rule (in file order) that could match `parts` and passes
   * `test`, or -1. `test` also decides for exact rules (a filter such as
   * "forced only" applies to them too).
   */
  first(parts: string[], test: (index: number) => boolean): number {
    let best = Number.POSITIVE_INFINITY;
    let node: Node | undefined = this.#root;
    for (let depth = 0; node; depth++) {
      if (node.patterns) best = firstPassing(node.patterns, best, test);
      if (depth === parts.length) {
        if (node.exact) best = firstPassing(node.exact, best, test);
        break;
      }
      node = node.next?.get(parts[depth]!);
    }
    return best === Number.POSITIVE_INFINITY ? -1 : best;
  }

  /** Every rule that matches `parts` (exact ones, and patterns passing `test`), in file order. */
  all(parts: string[], test: (index: number) => boolean): number[] {
    const out: number[] = [];
    let lists = 0;
    let node: Node | undefined = this.#root;
    for (let depth = 0; node; depth++) {
      if (node.patterns) {
        const before = out.length;
        for (const i of node.patterns) if (test(i)) out.push(i);
        if (out.length > before) lists++;
      }
      if (depth === parts.length) {
        if (node.exact) {
          out.push(...node.exact);
          lists++;
        }
        break;
      }
      node = node.next?.get(parts[depth]!);
    }
    // Each list is in file order; several lists interleave.
    if (lists > 1) out.sort((a, b) => a - b);
    return out;
  }
}

function firstPassing(list: number[], best: number, test: (index: number) => boolean): number {
  for (const i of list) {
    if (i >= best) return best;
    if (test(i)) return i;
  }
  return best;
}
