/**
 * Turns what the user dropped or picked into a deploy: one zip archive, or a
 * set of files with paths relative to the dropped folder. The same files the
 * CLI skips are skipped (dot-files and dot-folders, node_modules, *.log).
 */

export interface LocalFile {
  path: string;
  file: File;
}

export type Picked =
  | { kind: "zip"; file: File; name: string }
  | { kind: "files"; files: LocalFile[]; name: string; skipped: number };

const skip = (path: string) =>
  path.split("/").some((s) => s.startsWith(".") || s === "node_modules") || path.endsWith(".log");

/** A guess at the app name from a folder or file name: lower-case, `[a-z0-9-]`. */
export function appNameFrom(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/\.zip$/, "")
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

/** Reads every entry of a dropped folder (readEntries answers in batches until it returns none). */
async function walk(entry: FileSystemEntry, prefix: string, out: LocalFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path: prefix + entry.name, file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, `${prefix}${entry.name}/`, out);
  }
}

/** Drops the folder everything sits in (`site/index.html` → `index.html`). */
function stripCommonRoot(files: LocalFile[]): { files: LocalFile[]; root: string | null } {
  const first = files[0]?.path.split("/")[0];
  if (!first || !files.every((f) => f.path.startsWith(`${first}/`))) return { files, root: null };
  return { files: files.map((f) => ({ ...f, path: f.path.slice(first.length + 1) })), root: first };
}

function finish(all: LocalFile[], fallbackName: string): Picked {
  const { files, root } = stripCommonRoot(all);
  const kept = files.filter((f) => !skip(f.path));
  return {
    kind: "files",
    files: kept,
    name: appNameFrom(root ?? fallbackName),
    skipped: files.length - kept.length,
  };
}

const isZip = (f: File) =>
  /\.zip$/i.test(f.name) || f.type === "application/zip" || f.type === "application/x-zip-compressed";

/** From a drop: a folder (walked), a single zip, or loose files. */
export async function fromDrop(dt: DataTransfer): Promise<Picked | null> {
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry?.isDirectory) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) loose.push(f);
    }
  }
  if (entries.length === 0 && loose.length === 0) for (const f of Array.from(dt.files)) loose.push(f);
  if (entries.length === 0 && loose.length === 1 && isZip(loose[0]!)) {
    const file = loose[0]!;
    return { kind: "zip", file, name: appNameFrom(file.name) };
  }
  const all: LocalFile[] = loose.map((file) => ({ path: file.name, file }));
  for (const e of entries) await walk(e, "", all);
  if (all.length === 0) return null;
  return finish(all, entries[0]?.name ?? "site");
}

/** From the pickers: a folder (`webkitdirectory`, paths in webkitRelativePath) or one zip. */
export function fromInput(list: FileList): Picked | null {
  const files = Array.from(list);
  if (files.length === 0) return null;
  if (files.length === 1 && isZip(files[0]!) && !files[0]!.webkitRelativePath) {
    return { kind: "zip", file: files[0]!, name: appNameFrom(files[0]!.name) };
  }
  return finish(
    files.map((file) => ({ path: file.webkitRelativePath || file.name, file })),
    "site",
  );
}

/** `manifest.json` at the root may name the app and turn SPA on, as it does for the CLI. */
export async function readManifest(p: Picked): Promise<{ name?: string; spa?: boolean }> {
  if (p.kind !== "files") return {};
  const m = p.files.find((f) => f.path === "manifest.json");
  if (!m) return {};
  try {
    const json = JSON.parse(await m.file.text()) as { name?: unknown; spa?: unknown };
    return {
      ...(typeof json.name === "string" ? { name: json.name } : {}),
      ...(json.spa === true ? { spa: true } : {}),
    };
  } catch {
    return {};
  }
}
