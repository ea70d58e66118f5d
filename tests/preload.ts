/**
 * Runs before the test files: the admin UI must be built, since the server
 * serves it (bun install builds it too; this covers a manual clean).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
if (!existsSync(join(root, ".build", "admin-ui", "index.html"))) {
  const p = Bun.spawnSync(["bun", "x", "vite", "build", "--logLevel", "warn"], {
    cwd: join(root, "admin-ui"),
  });
  if (p.exitCode !== 0) throw new Error(`admin UI build failed:\n${p.stderr.toString()}`);
}
