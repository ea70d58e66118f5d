import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { defineCommand } from "citty";
import { type CodeProblem, formatProblem } from "../../../apps/index.ts";
import { FaztError } from "../../../core/index.ts";
import { parseHeaders, parseRedirects } from "../../../web/index.ts";
import { color, emit } from "../../output.ts";
import {
  checkAppName,
  checkDeployDir,
  type PackedFile,
  packFolder,
  readManifest,
  syntaxProblems,
} from "../../pack/index.ts";
import { session } from "../../session.ts";

type Problem = CodeProblem;

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The name a deploy would use, or the problem with it (docs/hosting.md: a missing or invalid manifest name fails). */
function checkName(dir: string, problems: Problem[], notes: string[]): string | null {
  try {
    const manifest = readManifest(dir);
    if (!manifest) {
      const folder = basename(dir).toLowerCase();
      notes.push(`no manifest.json: a deploy would use the folder name "${folder}"`);
      try {
        return checkAppName(folder, "the folder name");
      } catch (e) {
        problems.push({ file: "manifest.json", message: `missing, and ${messageOf(e)}` });
        return null;
      }
    }
    if (manifest.name === undefined) {
      problems.push({ file: "manifest.json", message: "has no name" });
      return null;
    }
    return checkAppName(manifest.name, "name");
  } catch (e) {
    problems.push({ file: "manifest.json", message: messageOf(e).replace(/^manifest\.json:?\s*/, "") });
    return null;
  }
}

function checkRules(file: PackedFile, problems: Problem[]): void {
  const text = readFileSync(file.abs, "utf8");
  try {
    if (file.path === "_redirects") parseRedirects(text);
    else parseHeaders(text);
  } catch (e) {
    const details = (e as FaztError).details as { line?: number } | undefined;
    const problem: Problem = {
      file: file.path,
      message: messageOf(e).replace(/^_(redirects|headers) line \d+: /, ""),
    };
    if (details?.line) problem.line = details.line;
    problems.push(problem);
  }
}

export default defineCommand({
  meta: {
    name: "validate",
    description: "Check an app folder before deploying: name, _redirects, _headers, api/ syntax",
  },
  args: {
    dir: { type: "positional", description: "The folder (default .)", valueHint: "DIR", required: false },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("app validate");
    const dir = checkDeployDir(args.dir ?? ".");
    const problems: Problem[] = [];
    const notes: string[] = [];
    const name = checkName(dir, problems, notes);

    let files: PackedFile[] = [];
    try {
      const packed = packFolder(dir);
      files = packed.files;
      notes.push(...packed.warnings);
    } catch (e) {
      problems.push({ file: ".", message: messageOf(e) });
    }
    if (files.length === 0 && problems.length === 0)
      problems.push({ file: ".", message: "no files to deploy" });
    for (const file of files) {
      if (file.path === "_redirects" || file.path === "_headers") checkRules(file, problems);
    }
    problems.push(...syntaxProblems(files));
    if (!existsSync(join(dir, "index.html")) && existsSync(join(dir, "package.json"))) {
      notes.push("no index.html here: if package.json builds the site, deploy will use the build output");
    }

    const report = { dir, name, files: files.length, ok: problems.length === 0, problems, notes };
    emit(s.globals.format, report, () =>
      [
        ...notes.map((n) => color.dim(`note: ${n}`)),
        ...problems.map((p) => {
          const line = formatProblem(p);
          const cut = line.length - p.message.length - 2;
          return `${color.yellow(line.slice(0, cut))}${line.slice(cut)}`;
        }),
        ...(problems.length ? [] : [`${color.green("ok")}  ${name} (${files.length} files)`]),
      ].join("\n"),
    );
    if (problems.length) {
      const n = problems.length;
      throw new FaztError("VALIDATION_FAILED", `${n} problem${n === 1 ? "" : "s"} in ${resolve(dir)}`);
    }
  },
});
