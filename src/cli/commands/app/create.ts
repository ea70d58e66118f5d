import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineCommand } from "citty";
import * as v from "valibot";
import { FaztError, parse } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { checkAppName } from "../../pack/index.ts";
import { session } from "../../session.ts";
import { isEmptyOrMissing } from "../../transfer/pull.ts";
import { TEMPLATE_NOTES, TEMPLATES, templateFiles } from "./templates.ts";

const templateSchema = v.picklist(TEMPLATES, `must be one of ${TEMPLATES.join(", ")}`);

export default defineCommand({
  meta: { name: "create", description: "Write a new app folder ./NAME from a template (no server needed)" },
  args: {
    name: {
      type: "positional",
      description: "The app's name (and folder)",
      valueHint: "NAME",
      required: true,
    },
    template: {
      type: "string",
      description: `The template, one of: ${TEMPLATES.map((t) => `${t} — ${TEMPLATE_NOTES[t]}`).join("; ")}`,
      valueHint: TEMPLATES.join("|"),
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("app create");
    const template = parse(templateSchema, args.template ?? "minimal", "--template");
    const name = checkAppName(args.name, "the name");
    const dir = resolve(name);
    if (!isEmptyOrMissing(dir)) throw new FaztError("CONFLICT", `./${name} exists and is not empty`);
    const files = templateFiles(name, template);
    mkdirSync(dir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const list = Object.keys(files).sort();
    emit(s.globals.format, { name, template, dir, files: list }, () =>
      [
        `created ./${name} (${template}): ${list.join(", ")}`,
        `deploy it with \`fazt app deploy ${name}\``,
      ].join("\n"),
    );
  },
});
