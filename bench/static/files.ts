/**
 * What the static bench serves: three files of the sizes the goals name, and
 * a 1,000-file site for the deploy timing. Content is deterministic for a
 * seed, so every server is given the very same bytes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface SiteFile {
  /** Relative, with forward slashes: the URL path without the leading slash. */
  path: string;
  data: Uint8Array;
}

/** A small deterministic PRNG (mulberry32), so runs differ only when the seed does. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  "fazt static site serve deploy version alias blob cache header request response bytes html script style module export import function return const let value index page layout grid column row button link".split(
    " ",
  );

/** Text that compresses like real markup or code (repeated vocabulary), exactly `size` bytes. */
function text(size: number, rand: () => number, line: (words: string) => string): Uint8Array {
  let out = "";
  while (out.length < size) {
    const n = 4 + Math.floor(rand() * 8);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!).join(" ");
    out += `${line(words)}\n`;
  }
  return new TextEncoder().encode(out.slice(0, size));
}

function binary(size: number, rand: () => number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

function html(size: number, rand: () => number, title: string): Uint8Array {
  const head = `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n`;
  const tail = "</body>\n</html>\n";
  const body = text(size - head.length - tail.length, rand, (w) => `<p class="item">${w}</p>`);
  return new Uint8Array([...new TextEncoder().encode(head), ...body, ...new TextEncoder().encode(tail)]);
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The three files of the throughput goals. */
export const SIZES = [
  { label: "2 KiB HTML", path: "page.html", size: 2 * KiB },
  { label: "100 KiB JS", path: "app.js", size: 100 * KiB },
  { label: "1 MiB binary", path: "blob.bin", size: MiB },
] as const;

export function throughputFiles(): SiteFile[] {
  const rand = prng(1);
  return SIZES.map(({ path, size }) => ({
    path,
    data: path.endsWith(".html")
      ? html(size, rand, "bench")
      : path.endsWith(".js")
        ? text(size, rand, (w) => `export const v${Math.floor(rand() * 1e6)} = "${w}";`)
        : binary(size, rand),
  }));
}

/**
 * A site of `count` files of 1–20 KiB: HTML, CSS and JS (compressible) and
 * some PNG-named random bytes (not), in a few folders. `seed` changes every
 * byte, so a site made with a new seed shares no blob with an older one.
 */
export function manyFiles(count: number, seed: number): SiteFile[] {
  const rand = prng(seed);
  const files: SiteFile[] = [];
  for (let i = 0; i < count; i++) {
    const size = (1 + Math.floor(rand() * 20)) * KiB - Math.floor(rand() * 512);
    const kind = i === 0 ? 0 : i % 10;
    const dir = `section-${i % 25}`;
    const stamp = `/* site ${seed} file ${i} */`;
    if (i === 0) files.push({ path: "index.html", data: html(size, rand, stamp) });
    else if (kind < 4) files.push({ path: `${dir}/page-${i}.html`, data: html(size, rand, stamp) });
    else if (kind < 6)
      files.push({
        path: `${dir}/style-${i}.css`,
        data: text(size, rand, (w) => `.c${i} { content: "${w}"; }`),
      });
    else if (kind < 9)
      files.push({ path: `assets/${dir}/code-${i}.js`, data: text(size, rand, (w) => `// ${stamp} ${w}`) });
    else files.push({ path: `img/${dir}/pic-${i}.png`, data: binary(size, rand) });
  }
  return files;
}

export function writeSite(dir: string, files: SiteFile[]): void {
  for (const f of files) {
    const to = join(dir, f.path);
    mkdirSync(dirname(to), { recursive: true });
    writeFileSync(to, f.data);
  }
}

export function sha256(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}
