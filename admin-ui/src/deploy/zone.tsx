import { useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "../api.ts";
import { bytes, plural } from "../format.ts";
import { toast } from "../state.ts";
import type { DeployResult } from "../types.ts";
import { Icon } from "../ui/icons.tsx";
import { Banner, Field } from "../ui/kit.tsx";
import { fromDrop, fromInput, type Picked, readManifest } from "./collect.ts";
import { deployFolder, deployZip, type Progress } from "./upload.ts";

const PHASE = { hashing: "Hashing files", uploading: "Uploading", activating: "Activating" };

function summary(p: Picked): string {
  if (p.kind === "zip") return `${p.file.name} · ${bytes(p.file.size)}`;
  const size = p.files.reduce((n, f) => n + f.file.size, 0);
  const skipped = p.skipped ? ` · ${p.skipped} skipped (dot-files, node_modules, *.log)` : "";
  return `${plural(p.files.length, "file")} · ${bytes(size)}${skipped}`;
}

/**
 * Drop a folder or a zip (or pick one: phones have no drag and drop) to create
 * or update an app. Folders go through the incremental protocol, so only
 * changed files are uploaded.
 */
export function DeployZone({ apps, onDeployed }: { apps: string[]; onDeployed: (r: DeployResult) => void }) {
  const [over, setOver] = useState(false);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [name, setName] = useState("");
  const [spa, setSpa] = useState(false);
  const [message, setMessage] = useState("");
  const [preview, setPreview] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<DeployResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const zipInput = useRef<HTMLInputElement>(null);
  // A folder picker: the attribute is in every browser but not in the typings.
  useEffect(() => folderInput.current?.setAttribute("webkitdirectory", ""));

  const take = async (p: Picked | null) => {
    setError(null);
    setResult(null);
    if (!p || (p.kind === "files" && p.files.length === 0)) {
      setError("Nothing to deploy there: drop a folder with an index.html, or a .zip");
      return;
    }
    const m = await readManifest(p);
    setPicked(p);
    setName(m.name ?? p.name);
    setSpa(m.spa ?? false);
  };

  const deploy = async (e: Event) => {
    e.preventDefault();
    if (!picked) return;
    setError(null);
    const opts = { name: name.trim(), spa, message: message.trim(), preview, onProgress: setProgress };
    try {
      const r =
        picked.kind === "zip" ? await deployZip(picked.file, opts) : await deployFolder(picked.files, opts);
      setResult(r);
      setPicked(null);
      setMessage("");
      toast(r.preview ? `Uploaded a preview of ${r.app}` : `Deployed ${r.app}`);
      onDeployed(r);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setProgress(null);
    }
  };

  if (progress) {
    const pct = progress.total ? progress.done / progress.total : 0;
    const detail =
      progress.phase === "hashing"
        ? `${progress.done} of ${progress.total}`
        : progress.phase === "uploading" && progress.bytes !== undefined
          ? `${progress.done} of ${plural(progress.total, "new file")} · ${bytes(progress.bytes)}`
          : progress.phase === "uploading"
            ? `${bytes(progress.done)} of ${bytes(progress.total)}`
            : "";
    return (
      <div class="drop" role="status" aria-live="polite">
        <p class="item-title">
          {PHASE[progress.phase]} {name}…
        </p>
        <progress
          value={progress.phase === "activating" ? undefined : pct}
          max={1}
          aria-label="Deploy progress"
        />
        <p class="hint">{detail}</p>
      </div>
    );
  }

  if (picked) {
    return (
      <form class="card form" onSubmit={deploy} aria-label="Deploy">
        <Banner error={error} onClose={() => setError(null)} />
        <p>
          <strong>Ready to deploy</strong> <span class="muted">{summary(picked)}</span>
        </p>
        <div class="form-row">
          <Field
            id="deploy-name"
            label="App name"
            hint={apps.includes(name) ? "Updates the existing app" : "Creates a new app"}
          >
            <input
              id="deploy-name"
              value={name}
              required
              pattern="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
              list="deploy-apps"
              autocapitalize="off"
              spellcheck={false}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field id="deploy-message" label="Message (optional)">
            <input
              id="deploy-message"
              value={message}
              maxLength={500}
              onInput={(e) => setMessage(e.currentTarget.value)}
            />
          </Field>
        </div>
        <datalist id="deploy-apps">
          {apps.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label class="check">
          <input type="checkbox" checked={spa} onChange={(e) => setSpa(e.currentTarget.checked)} />
          Single-page app (serve index.html for unknown paths)
        </label>
        {picked.kind === "files" ? (
          <label class="check">
            <input type="checkbox" checked={preview} onChange={(e) => setPreview(e.currentTarget.checked)} />
            Preview only: upload without making it live
          </label>
        ) : null}
        <div class="row-wrap">
          <button type="submit" class="btn btn-primary">
            <Icon name="upload" />
            Deploy
          </button>
          <button type="button" class="btn" onClick={() => setPicked(null)}>
            Cancel
          </button>
        </div>
      </form>
    );
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the buttons inside are the keyboard's way
    <div
      class={over ? "drop over" : "drop"}
      data-testid="drop-zone"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={async (e) => {
        e.preventDefault();
        setOver(false);
        if (e.dataTransfer) await take(await fromDrop(e.dataTransfer));
      }}
    >
      <Icon name="upload" />
      <p>
        <strong>Drop a folder or a .zip here</strong> to create or update an app
      </p>
      {result?.preview ? (
        <p class="notice">
          Uploaded a preview of <strong>{result.app}</strong> (the live version is unchanged) —{" "}
          {result.previewUrl ? (
            <a href={result.previewUrl} target="_blank" rel="noopener">
              {result.previewUrl}
            </a>
          ) : null}
        </p>
      ) : result ? (
        <p class="notice">
          Deployed <strong>{result.app}</strong> #{result.seq ?? ""} ({plural(result.files, "file")},{" "}
          {bytes(result.uploadedBytes)} uploaded) —{" "}
          <a href={result.url} target="_blank" rel="noopener">
            {result.url}
          </a>
        </p>
      ) : null}
      <Banner error={error} onClose={() => setError(null)} />
      <div class="drop-pick">
        <button type="button" class="btn" onClick={() => folderInput.current?.click()}>
          <Icon name="folder" />
          Choose folder
        </button>
        <button type="button" class="btn" onClick={() => zipInput.current?.click()}>
          <Icon name="file" />
          Choose .zip
        </button>
      </div>
      <input
        ref={folderInput}
        class="file-input"
        type="file"
        tabIndex={-1}
        aria-label="Folder to deploy"
        data-testid="folder-input"
        multiple
        onChange={(e) => {
          const files = e.currentTarget.files;
          if (files) void take(fromInput(files));
          e.currentTarget.value = "";
        }}
      />
      <input
        ref={zipInput}
        class="file-input"
        type="file"
        tabIndex={-1}
        aria-label="Zip archive to deploy"
        data-testid="zip-input"
        accept=".zip,application/zip"
        onChange={(e) => {
          const files = e.currentTarget.files;
          if (files) void take(fromInput(files));
          e.currentTarget.value = "";
        }}
      />
    </div>
  );
}
