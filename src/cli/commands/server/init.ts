import { defineCommand } from "citty";
import { initInstance } from "../../../ops/index.ts";
import { emit, table } from "../../output.ts";
import { session } from "../../session.ts";
import { configFlags, configPatchFromFlags } from "./flags.ts";
import { passwordBanner } from "./password-banner.ts";

export default defineCommand({
  meta: { name: "init", description: "Create the database and the owner account" },
  args: {
    ...configFlags,
    username: { type: "string", description: "Owner user name (default admin)", valueHint: "U" },
    password: {
      type: "string",
      description: "Owner password (default: generated and printed once)",
      valueHint: "P",
    },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("server init");
    const config = configPatchFromFlags(args);
    const store = await s.openStore();
    const result = await initInstance(store, { config, username: args.username, password: args.password });
    const data = { database: s.dbPath, owner: result.username, created: result.created };
    emit(s.globals.format, { ...data, password: result.generatedPassword }, () =>
      [
        table([
          ["database", s.dbPath],
          ["owner", result.username],
          ["status", result.created ? "initialised" : "already initialised"],
        ]),
        result.generatedPassword ? passwordBanner(result.username, result.generatedPassword) : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
  },
});
