import { defineCommand } from "citty";
import { FaztError } from "../../../core/index.ts";
import { emit, table, when } from "../../output.ts";
import { connect } from "../../peer/index.ts";
import { type ProviderBody, providersApi } from "../../peer/providers-api.ts";
import { session } from "../../session.ts";

/** An empty URL flag (`--issuer ""`) clears a stored override. */
const urlFlag = (value: string | undefined) => (value === undefined ? undefined : value.trim() || null);

export default defineCommand({
  meta: {
    name: "provider",
    description: "Set up a sign-in provider: google, github, discord, microsoft or oidc (any OIDC issuer)",
  },
  args: {
    name: {
      type: "positional",
      description: "google, github, discord, microsoft or oidc",
      valueHint: "NAME",
      required: true,
    },
    "client-id": { type: "string", description: "The OAuth client id", valueHint: "ID" },
    "client-secret": {
      type: "string",
      description: "The OAuth client secret (stored, never shown)",
      valueHint: "SECRET",
    },
    issuer: { type: "string", description: "OpenID Connect issuer (required for oidc)", valueHint: "URL" },
    "authorize-url": { type: "string", description: "Authorization endpoint override", valueHint: "URL" },
    "token-url": { type: "string", description: "Token endpoint override", valueHint: "URL" },
    "userinfo-url": { type: "string", description: "User info endpoint override", valueHint: "URL" },
    enable: { type: "boolean", description: "Offer this provider on the sign-in page" },
    disable: { type: "boolean", description: "Stop offering this provider" },
  },
  async run({ args }) {
    const s = session();
    if (args.enable && args.disable) throw new FaztError("USAGE", "give --enable or --disable, not both");
    const body: ProviderBody = {};
    if (args["client-id"] !== undefined) body.clientId = args["client-id"];
    if (args["client-secret"] !== undefined) body.clientSecret = args["client-secret"];
    const urls = {
      issuer: urlFlag(args.issuer),
      authorizeUrl: urlFlag(args["authorize-url"]),
      tokenUrl: urlFlag(args["token-url"]),
      userinfoUrl: urlFlag(args["userinfo-url"]),
    };
    for (const [k, val] of Object.entries(urls)) if (val !== undefined) body[k as keyof typeof urls] = val;
    if (args.enable) body.enabled = true;
    if (args.disable) body.enabled = false;
    const p = await providersApi.set(await connect(), args.name, body);
    emit(s.globals.format, p, () =>
      table([
        ["provider", p.name],
        ["status", p.enabled ? "enabled" : "disabled"],
        ["client id", p.clientId],
        ["client secret", p.clientSecretSet ? "set" : "-"],
        ["issuer", p.issuer],
        ["authorize url", p.authorizeUrl],
        ["token url", p.tokenUrl],
        ["userinfo url", p.userinfoUrl],
        ["callback url", p.callbackUrl],
        ["updated", when(p.updatedAt)],
      ]),
    );
  },
});
