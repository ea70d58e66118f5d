import { defineCommand } from "citty";
import { formatProblem } from "../../../apps/index.ts";
import { FaztError } from "../../../core/index.ts";
import { color, emit, table, warn } from "../../output.ts";
import { hashFiles, prepareDeploy, syntaxProblems } from "../../pack/index.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { humanBytes, progressBar } from "../../transfer/progress.ts";
import { deployFiles } from "../../transfer/upload.ts";

export default defineCommand({
  meta: { name: "deploy", description: "Deploy a folder as an app (only changed files are uploaded)" },
  args: {
    dir: { type: "positional", description: "The folder to deploy", valueHint: "DIR", required: true },
    to: { type: "string", description: "The peer to deploy to (same as @PEER)", valueHint: "PEER" },
    name: {
      type: "string",
      description: "App name (default: manifest.json name, else the folder name)",
      valueHint: "NAME",
    },
    spa: { type: "boolean", description: "Serve index.html for unknown paths (single-page app)" },
    "include-private": { type: "boolean", description: "Deploy private/ even if .gitignore lists it" },
    build: {
      type: "boolean",
      default: true,
      description: "Run package.json's build script first (--no-build to skip)",
    },
    message: { type: "string", description: "A note kept with the version", valueHint: "TEXT" },
    force: { type: "boolean", description: "Deploy even if code in api/ does not parse" },
    preview: {
      type: "boolean",
      description: "Upload a version without activating it; prints its preview address (admins only)",
    },
  },
  async run({ args }) {
    const s = session();
    // Resolve the target first: a misspelt peer should fail before a build runs.
    const client = await connect({ to: args.to });
    const prepared = await prepareDeploy(args.dir, {
      name: args.name,
      spa: args.spa,
      includePrivate: args["include-private"],
      build: args.build,
    });
    for (const w of prepared.warnings) warn(w);
    // Broken app code is caught here, before anything is uploaded (the server would only warn).
    const broken = syntaxProblems(prepared.files);
    if (broken.length > 0 && !args.force) {
      for (const p of broken) process.stderr.write(`${formatProblem(p)}\n`);
      throw new FaztError(
        "VALIDATION_FAILED",
        "api/ has code that does not parse: nothing was deployed (fix it, or deploy anyway with --force)",
        { details: broken },
      );
    }

    const total = prepared.files.reduce((n, f) => n + f.size, 0);
    const bar = progressBar("hashing", prepared.files.length, total);
    let hashedBytes = 0;
    const files = await hashFiles(prepared.files, (done) => {
      hashedBytes += prepared.files[done - 1]!.size;
      bar.update(done, hashedBytes);
    }).finally(() => bar.done());

    const result = await deployFiles(client, {
      name: prepared.name,
      spa: prepared.spa,
      message: args.message,
      preview: args.preview,
      files,
    });
    for (const w of result.warnings) warn(w);
    emit(s.globals.format, { ...result, peer: client.name }, () =>
      [
        result.preview
          ? `${color.green("uploaded")} ${color.bold(result.app)} to ${client.name} as a preview (not active)`
          : `${color.green("deployed")} ${color.bold(result.app)} to ${client.name}`,
        table([
          ["version", result.seq === undefined ? result.version : `#${result.seq} (${result.version})`],
          ["files", `${result.files} (${humanBytes(result.bytes)})`],
          ["uploaded", humanBytes(result.uploadedBytes)],
          result.preview && result.previewUrl
            ? ["preview", color.bold(result.previewUrl)]
            : ["url", color.bold(result.url)],
        ])
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n"),
      ].join("\n"),
    );
  },
});
