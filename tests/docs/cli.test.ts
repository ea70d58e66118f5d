import { expect, test } from "bun:test";
import { join } from "node:path";
import { renderCliDocs } from "../../scripts/gen-cli-docs.ts";

/**
 * docs/cli.md is generated from the command definitions (scripts/gen-cli-docs.ts):
 * a command, flag or description changed without `bun run docs:cli` fails here.
 */
test("docs/cli.md is what scripts/gen-cli-docs.ts prints from the command tree", async () => {
  const file = await Bun.file(join(import.meta.dir, "../../docs/cli.md")).text();
  const generated = await renderCliDocs();
  if (file !== generated) {
    throw new Error("docs/cli.md is out of date with src/cli/commands: run `bun run docs:cli`");
  }
});

test("each command's usage line is the one its --help prints", async () => {
  const doc = await renderCliDocs();
  expect(doc).toContain("### fazt app deploy\n");
  expect(doc).toContain("\nfazt app deploy [OPTIONS] <DIR>\n");
  expect(doc).toContain("\nfazt deploy [OPTIONS] <DIR>\n");
  expect(doc).toContain("| `--preview` |");
  // app env declares extra argument slots except under --help: the doc is the help.
  expect(doc).toContain("\nfazt app env [OPTIONS] <NAME> [ACTION] [ITEMS]\n");
});
