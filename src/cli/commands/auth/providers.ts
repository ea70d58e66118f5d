import { defineCommand } from "citty";
import { columns, emit } from "../../output.ts";
import { connect } from "../../peer/index.ts";
import { providersApi } from "../../peer/providers-api.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "providers", description: "List sign-in providers (client secrets are never shown)" },
  async run() {
    const s = session();
    const providers = await providersApi.list(await connect());
    emit(s.globals.format, providers, () =>
      columns(
        ["NAME", "STATUS", "CLIENT ID", "SECRET", "ENDPOINTS", "CALLBACK URL"],
        providers.map((p) => [
          p.name,
          p.enabled ? "enabled" : p.configured ? "disabled" : "not set up",
          p.clientId,
          p.clientSecretSet ? "set" : "-",
          p.issuer ?? ([p.authorizeUrl, p.tokenUrl, p.userinfoUrl].some(Boolean) ? "custom" : "built-in"),
          p.callbackUrl,
        ]),
      ),
    );
  },
});
