import { columns, when } from "../../output.ts";
import type { Version } from "../../peer/index.ts";
import { humanBytes } from "../../transfer/progress.ts";

/** How a version is named in text output: `#3 (ver_…)`, the id being what `rollback --to` takes. */
export const versionLabel = (v: Pick<Version, "seq" | "id">) => `#${v.seq} (${v.id})`;

export function versionsTable(versions: Version[]): string {
  return columns(
    ["", "VERSION", "ID", "FILES", "SIZE", "DEPLOYED", "MESSAGE"],
    versions.map((v) => [
      v.current ? "*" : "",
      `#${v.seq}`,
      v.id,
      v.files,
      humanBytes(v.bytes),
      when(v.createdAt),
      v.message ?? "",
    ]),
  );
}
