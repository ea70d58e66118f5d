import { defineCommand } from "citty";
import { isPostgresUrl, redactUrl, resolveDatabaseTarget } from "../../../db/index.ts";
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
    database: {
      type: "string",
      description: "PostgreSQL URL or SQLite file to initialise (default: --db, FAZT_DATABASE_URL)",
      valueHint: "URL",
    },
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
    const target = args.database ? resolveDatabaseTarget(args.database) : s.target;
    const shown = isPostgresUrl(target) ? redactUrl(target) : target;
    const store = await s.openStore({ target });
    const result = await initInstance(store, { config, username: args.username, password: args.password });
    const data = { database: shown, owner: result.username, created: result.created };
    emit(s.globals.format, { ...data, password: result.generatedPassword }, () =>
      [
        table([
          ["database", shown],
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
