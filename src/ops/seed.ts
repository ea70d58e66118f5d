import type { Store } from "../db/index.ts";
import { defaultConfig } from "../db/index.ts";
import { deployFiles } from "../deploy/index.ts";
import { NOT_FOUND_HTML, WELCOME_HTML } from "../hosting/index.ts";

const encoder = new TextEncoder();

/**
 * Every instance has a `root` app (the welcome page on the apex) and a `404`
 * app (the page for unknown hosts): real apps, replaced by deploying over
 * them. Created once; a no-op when they exist.
 */
export async function seedApps(store: Store): Promise<void> {
  const pages: Array<[string, string]> = [
    ["root", WELCOME_HTML],
    ["404", NOT_FOUND_HTML],
  ];
  for (const [name, html] of pages) {
    if (store.engine.get("SELECT 1 AS found FROM apps WHERE name = ?", [name])) continue;
    await deployFiles(store, defaultConfig, {
      name,
      spa: false,
      message: "seeded by fazt",
      files: [{ path: "index.html", data: encoder.encode(html) }],
    });
  }
}
