import { defineCommand } from "citty";
import { createApiKey } from "../../../auth/index.ts";
import { color, emit } from "../../output.ts";
import { repeatedFlag } from "../../repeated-flag.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "create-key", description: "Mint an API key (printed once), made by the owner" },
  args: {
    name: { type: "string", description: "What the key is for", valueHint: "N", required: true },
    scope: { type: "string", description: "admin (default) or deploy", valueHint: "admin|deploy" },
    app: {
      type: "string",
      description: "Limit a deploy key to this app (repeat for several)",
      valueHint: "APP",
    },
  },
  async run({ args, rawArgs }) {
    const s = session();
    s.localOnly("server create-key");
    const apps = repeatedFlag(rawArgs, "app");
    const store = await s.openStore({ create: false });
    // With the database in hand the key is the owner's (recorded as its maker).
    const { key, token } = createApiKey(store, {
      name: args.name,
      scope: args.scope ?? "admin",
      ...(apps.length > 0 ? { apps } : {}),
    });
    emit(s.globals.format, { ...key, token }, () =>
      [
        `${color.bold("API key created")} (${key.scope}${key.apps ? `: ${key.apps.join(", ")}` : ""}): ${key.name}`,
        `  ${color.green(token)}`,
        color.dim("  Shown once: store it now. Send it as `Authorization: Bearer …`."),
      ].join("\n"),
    );
  },
});
