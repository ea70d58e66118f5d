import { defineCommand } from "citty";
import { FaztError } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";
import { versionLabel } from "./view.ts";

export default defineCommand({
  meta: {
    name: "rollback",
    description: "Activate the version before the current one, or --to a kept version",
  },
  args: {
    name: { type: "positional", description: "The app", valueHint: "NAME", required: true },
    to: {
      type: "string",
      description: "A version id as `app versions` prints it (or its #number)",
      valueHint: "VERSION",
    },
  },
  async run({ args }) {
    const s = session();
    const client = await connect();
    let to = args.to;
    // `--to 3` / `--to #3`: the number `app versions` shows, turned into its id.
    const seq = to === undefined ? null : /^#?(\d+)$/.exec(to);
    if (seq) {
      const versions = await api.versions(client, args.name);
      const match = versions.find((v) => v.seq === Number(seq[1]));
      if (!match) {
        throw new FaztError(
          "NOT_FOUND",
          `${args.name} has no kept version #${seq[1]} (see \`fazt app versions ${args.name}\`)`,
        );
      }
      to = match.id;
    }
    const version = await api.rollback(client, args.name, to);
    emit(s.globals.format, version, () => `${args.name} is now at version ${versionLabel(version)}`);
  },
});
