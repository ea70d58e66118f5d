import { defineCommand } from "citty";
import { FaztError } from "../../../core/errors.ts";
import { writeConfig } from "../../../db/config.ts";
import { emit, table } from "../../output.ts";
import { session } from "../../session.ts";
import { configFlags, configPatchFromFlags } from "./flags.ts";

export default defineCommand({
  meta: {
    name: "set-config",
    description: "Change stored server settings (a running server applies most at once)",
  },
  args: {
    ...configFlags,
    env: { type: "string", description: "development or production", valueHint: "ENV" },
    https: { type: "string", description: "on or off", valueHint: "on|off" },
    email: { type: "string", description: "Contact email for ACME certificates", valueHint: "E" },
    "release-base-url": {
      type: "string",
      description: "Where `fazt upgrade` looks for releases",
      valueHint: "URL",
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("server set-config");
    const patch = configPatchFromFlags(args);
    if (Object.keys(patch).length === 0)
      throw new FaztError("USAGE", "nothing to change (see `fazt server set-config --help`)");
    const store = await s.openStore({ create: false });
    const config = writeConfig(store, patch);
    emit(s.globals.format, config, () =>
      table(
        Object.entries(config).map(([k, v]) => [
          k,
          typeof v === "object" && v !== null ? JSON.stringify(v) : v,
        ]),
      ),
    );
  },
});
