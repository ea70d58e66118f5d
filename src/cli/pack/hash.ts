import type { PackedFile } from "./walk.ts";

export interface HashedFile extends PackedFile {
  sha256: string;
}

/**
 * sha256 of every file, read one at a time (a deploy may hold thousands of
 * files; only one is in memory at once). The size is taken from the bytes
 * read, so a file changed since the walk is still described truthfully.
 */
export async function hashFiles(
  files: PackedFile[],
  onFile?: (done: number, total: number) => void,
): Promise<HashedFile[]> {
  const out: HashedFile[] = [];
  for (const file of files) {
    const bytes = await Bun.file(file.abs).bytes();
    const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    out.push({ ...file, size: bytes.byteLength, sha256 });
    onFile?.(out.length, files.length);
  }
  return out;
}
