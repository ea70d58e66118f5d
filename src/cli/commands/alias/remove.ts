import { defineCommand } from "citty";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "remove", description: "Remove an alias (the app it pointed to stays)" },
  args: { name: { type: "positional", description: "The alias", valueHint: "NAME", required: true } },
  async run({ args }) {
    const s = session();
    const result = await api.removeAlias(await connect(), args.name);
    emit(s.globals.format, result, () => `alias ${args.name} removed`);
  },
});
