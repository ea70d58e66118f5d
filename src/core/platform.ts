/**
 * Where this process runs, answered in one place: inside the compiled fazt
 * binary or from a checkout (`bun src/main.ts`), on Termux or not, and which
 * files the binary carries.
 */

/**
 * True inside the compiled binary: `bun build --compile` serves every bundled
 * module from its virtual file system, `/$bunfs/` (`B:/~BUN/` on Windows).
 */
export const isCompiled = import.meta.dir.startsWith("/$bunfs") || import.meta.dir.includes("~BUN");

/** Termux: Bun reports `linux` there; its `$PREFIX` gives it away (as install.sh checks). */
export function isTermux(env: Record<string, string | undefined> = process.env): boolean {
  return (env.PREFIX ?? "").startsWith("/data/data/com.termux");
}

let embedded: Map<string, Blob> | undefined;

/**
 * The files build.ts embeds with `--asset DIR`, by `<last folder>/<path>`
 * (`drizzle/0000_init.sql`); empty when running from a checkout.
 */
export function embeddedFiles(): ReadonlyMap<string, Blob> {
  if (!embedded) {
    embedded = new Map();
    for (const blob of Bun.embeddedFiles) embedded.set((blob as Blob & { name: string }).name, blob);
  }
  return embedded;
}

/**
 * Where a second entry point of the binary is (build.ts lists them: worker
 * threads' code), by its path below `src/` with a `.js` name; undefined from a
 * checkout, where the caller resolves its own `.ts` file.
 */
export function bundledEntry(srcPath: string): string | undefined {
  return isCompiled ? `/$bunfs/root/${srcPath}` : undefined;
}
