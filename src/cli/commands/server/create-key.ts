import { defineCommand } from "citty";
import { createApiKey } from "../../../auth/api-keys.ts";
import { findOwner } from "../../../auth/owner.ts";
import { color, emit } from "../../output.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "create-key", description: "Mint an API key (printed once)" },
  args: {
    name: { type: "string", description: "What the key is for", valueHint: "N", required: true },
    scope: { type: "string", description: "admin (default) or deploy", valueHint: "admin|deploy" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("server create-key");
    const store = await s.openStore({ create: false });
    const { key, token } = createApiKey(
      store,
      { name: args.name, scope: args.scope ?? "admin" },
      findOwner(store)?.id ?? null,
    );
    emit(s.globals.format, { ...key, token }, () =>
      [
        `${color.bold("API key created")} (${key.scope}): ${key.name}`,
        `  ${color.green(token)}`,
        color.dim("  Shown once: store it now. Send it as `Authorization: Bearer …`."),
      ].join("\n"),
    );
  },
});
