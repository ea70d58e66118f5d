import { useState } from "preact/hooks";
import { messageOf, seg } from "../api.ts";
import type { AppTabProps } from "../app/app-tabs.ts";
import { bytes, plural } from "../format.ts";
import { useApi } from "../hooks.ts";
import type { FileEntry } from "../types.ts";
import { Icon } from "../ui/icons.tsx";
import { Banner, Card, Empty, Loading, scrollable } from "../ui/kit.tsx";

interface Dir {
  dirs: Map<string, Dir>;
  files: FileEntry[];
}

function treeOf(files: FileEntry[]): Dir {
  const root: Dir = { dirs: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split("/");
    let d = root;
    for (const p of parts.slice(0, -1)) {
      let next = d.dirs.get(p);
      if (!next) {
        next = { dirs: new Map(), files: [] };
        d.dirs.set(p, next);
      }
      d = next;
    }
    d.files.push(f);
  }
  return root;
}

const TEXT = /^(text\/|application\/(json|javascript|xml|manifest\+json|ld\+json)|image\/svg\+xml)/;
const MAX_VIEW = 512 * 1024;
const viewable = (f: FileEntry) => TEXT.test(f.mime) && f.size <= MAX_VIEW;
const fileUrl = (app: string, path: string) =>
  `/api/apps/${seg(app)}/files/${path.split("/").map(seg).join("/")}`;

function Tree({
  dir,
  selected,
  onPick,
  depth,
}: {
  dir: Dir;
  selected: string | null;
  onPick: (f: FileEntry) => void;
  depth: number;
}) {
  return (
    <ul class={depth === 0 ? "tree" : undefined}>
      {[...dir.dirs.entries()].map(([name, sub]) => (
        <li key={name}>
          <details open={depth < 1}>
            <summary>
              <Icon name="folder" />
              {name}
            </summary>
            <Tree dir={sub} selected={selected} onPick={onPick} depth={depth + 1} />
          </details>
        </li>
      ))}
      {dir.files.map((f) => (
        <li key={f.path}>
          <button
            type="button"
            class="tree-file"
            aria-current={selected === f.path ? "true" : undefined}
            onClick={() => onPick(f)}
          >
            <Icon name="file" />
            {f.path.split("/").pop()}
            <span class="tree-size">{bytes(f.size)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The current version's files as a tree; text files open beside it (under it on a phone). */
export function FilesTab({ app }: AppTabProps) {
  const files = useApi<FileEntry[]>(`/api/apps/${seg(app.name)}/files`);
  const [open, setOpen] = useState<FileEntry | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const pick = async (f: FileEntry) => {
    setOpen(f);
    setText(null);
    setError(null);
    if (!viewable(f)) return;
    try {
      const res = await fetch(fileUrl(app.name, f.path));
      if (!res.ok) throw new Error(`${res.status}: could not read ${f.path}`);
      setText(await res.text());
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const list = files.data ?? [];
  return (
    <div class="split">
      <Card title={files.data ? plural(list.length, "file") : "Files"}>
        <Banner error={files.error} />
        {files.loading && !files.data ? <Loading /> : null}
        {files.data && list.length === 0 ? (
          <Empty title="No files">This app has no live version.</Empty>
        ) : null}
        {list.length > 0 ? (
          <Tree dir={treeOf(list)} selected={open?.path ?? null} onPick={pick} depth={0} />
        ) : null}
      </Card>
      <Card
        title={open ? open.path : "Preview"}
        actions={
          open ? (
            <a class="btn btn-small" href={fileUrl(app.name, open.path)} target="_blank" rel="noopener">
              <Icon name="ext" />
              Raw
            </a>
          ) : null
        }
      >
        <Banner error={error} />
        {!open ? <Empty title="Pick a file">Text files open here.</Empty> : null}
        {open ? (
          <p class="hint">
            {open.mime} · {bytes(open.size)} · <span class="mono">{open.sha256.slice(0, 12)}</span>
          </p>
        ) : null}
        {open && !viewable(open) ? (
          <Empty title="Not shown here">Binary or large files open with Raw.</Empty>
        ) : null}
        {open && viewable(open) && text === null && !error ? <Loading /> : null}
        {text !== null ? (
          <pre class="code" {...scrollable(`Contents of ${open?.path}`)}>
            {text}
          </pre>
        ) : null}
      </Card>
    </div>
  );
}
