import { expect, test } from "bun:test";
import { join } from "node:path";
import { configSchema } from "../../src/db/config.ts";

/** docs/operations.md has a row for every key of the config schema: a new setting is documented with it. */
test("every config key is in the table of docs/operations.md", async () => {
  const doc = await Bun.file(join(import.meta.dir, "../../docs/operations.md")).text();
  const keys = Object.keys(configSchema.entries);
  expect(keys).toContain("domain");
  const missing = keys.filter((k) => !doc.includes(`| \`${k}\` |`));
  if (missing.length) throw new Error(`docs/operations.md has no row for: ${missing.join(", ")}`);
});
