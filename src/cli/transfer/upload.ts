import { FaztError } from "../../core/index.ts";
import type { HashedFile } from "../pack/index.ts";
import { api, type DeployResult, type PeerClient } from "../peer/index.ts";
import { eachLimit } from "./pool.ts";
import { progressBar } from "./progress.ts";

/** Parallel blob uploads: enough to hide latency, few enough not to hog a small server. */
const CONCURRENCY = 4;

export interface DeployRequest {
  name: string;
  spa: boolean;
  message?: string | undefined;
  /** Upload without activating (docs/hosting.md): the answer names the preview address. */
  preview?: boolean | undefined;
  files: HashedFile[];
}

/**
 * The incremental deploy (docs/admin-api.md): send the manifest, upload only the
 * contents the server says it lacks, then finish (which activates). An
 * unchanged redeploy uploads nothing.
 */
export async function deployFiles(client: PeerClient, req: DeployRequest): Promise<DeployResult> {
  const manifest = req.files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size }));
  const start = await api.startDeploy(client, {
    name: req.name,
    spa: req.spa,
    ...(req.message !== undefined ? { message: req.message } : {}),
    ...(req.preview ? { preview: true } : {}),
    files: manifest,
  });
  const bySha = new Map<string, HashedFile>();
  for (const f of req.files) if (!bySha.has(f.sha256)) bySha.set(f.sha256, f);
  const wanted = [...new Set(start.missing)].map((sha) => {
    const file = bySha.get(sha);
    if (!file) {
      throw new FaztError(
        "INTERNAL",
        `${client.name} asked for content ${sha} that is not part of this deploy`,
      );
    }
    return file;
  });

  const totalBytes = wanted.reduce((n, f) => n + f.size, 0);
  const bar = progressBar("uploading", wanted.length, totalBytes);
  let files = 0;
  let bytes = 0;
  try {
    await eachLimit(wanted, CONCURRENCY, async (file) => {
      const content = await Bun.file(file.abs).bytes();
      // The server would refuse it anyway; say which file moved under our feet.
      if (new Bun.CryptoHasher("sha256").update(content).digest("hex") !== file.sha256) {
        throw new FaztError("CONFLICT", `${file.path} changed while deploying: run the deploy again`);
      }
      await api.putBlob(client, start.id, file.sha256, content);
      files++;
      bytes += content.byteLength;
      bar.update(files, bytes);
    });
  } finally {
    bar.done();
  }
  return api.finishDeploy(client, start.id);
}
