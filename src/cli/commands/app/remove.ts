import { defineCommand } from "citty";
import { FaztError } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { confirm } from "../../prompt.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "remove", description: "Remove an app, its versions and its aliases" },
  args: {
    name: { type: "positional", description: "The app", valueHint: "NAME", required: true },
    yes: { type: "boolean", description: "Do not ask for confirmation" },
  },
  async run({ args }) {
    const s = session();
    if (!args.yes) {
      // Scripts must say so explicitly: a pipe cannot answer the question.
      if (process.stdin.isTTY !== true) {
        throw new FaztError("USAGE", `removing app ${args.name} needs confirmation: pass --yes`);
      }
      if (!(await confirm(`Remove app ${args.name} and all its versions? [y/N] `))) {
        throw new FaztError("BAD_REQUEST", "cancelled: nothing removed");
      }
    }
    const client = await connect();
    const result = await api.removeApp(client, args.name);
    emit(s.globals.format, result, () => `app ${args.name} removed from ${client.name}`);
  },
});
