/**
 * What a deploy activates but tells about (docs/app-code.md): app code that does not
 * parse, an `api/` with no handler, a site with no `index.html`. The deploy
 * result carries them as `warnings`, and the app's log keeps them.
 */

import { type AppData, appendLog, checkApiCode, formatProblem, isApiScript } from "../apps/index.ts";

const decoder = new TextDecoder();

export function deployWarnings(
  paths: readonly string[],
  read: (path: string) => Uint8Array | null,
  spa: boolean,
): string[] {
  const warnings = checkApiCode(paths, (path) => {
    const bytes = isApiScript(path) ? read(path) : null;
    return bytes ? decoder.decode(bytes) : null;
  }).map(formatProblem);
  if (!paths.includes("index.html")) {
    warnings.push(
      spa
        ? "no index.html at the top: a single-page app has no page to serve for its paths"
        : "no index.html at the top: the app's / answers 404",
    );
  }
  return warnings;
}

/** The warnings in the app's log, one line each, naming the version. */
export function logDeployWarnings(
  store: AppData,
  appId: string,
  seq: number,
  warnings: readonly string[],
): void {
  for (const w of warnings) appendLog(store, appId, { level: "warn", message: `deploy #${seq}: ${w}` });
}
