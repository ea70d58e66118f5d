import * as v from "valibot";
import { FaztError } from "../../core/index.ts";
import type { ProviderDef } from "./types.ts";
import { str } from "./types.ts";

const meSchema = v.looseObject({
  id: v.string(),
  username: v.optional(v.nullable(v.string())),
  global_name: v.optional(v.nullable(v.string())),
  email: v.optional(v.nullable(v.string())),
  verified: v.optional(v.nullable(v.boolean())),
  avatar: v.optional(v.nullable(v.string())),
});

/** Discord: OAuth2; the account is `GET /users/@me`, whose `verified` covers its email. */
export const discord: ProviderDef = {
  name: "discord",
  label: "Discord",
  kind: "oauth2",
  scope: "identify email",
  clientAuth: "post",
  defaults: {
    authorizeUrl: "https://discord.com/oauth2/authorize",
    tokenUrl: "https://discord.com/api/oauth2/token",
    userinfoUrl: "https://discord.com/api/users/@me",
  },
  async profile({ as, getJson }) {
    const parsed = v.safeParse(meSchema, await getJson(as.userinfo_endpoint!));
    if (!parsed.success)
      throw new FaztError("BAD_REQUEST", "Discord's user answer is not understood", { status: 502 });
    const me = parsed.output;
    const avatar =
      me.avatar && /^[a-z0-9_]+$/i.test(me.avatar) && /^\d+$/.test(me.id)
        ? `https://cdn.discordapp.com/avatars/${me.id}/${me.avatar}.png`
        : null;
    return {
      subject: me.id,
      email: str(me.email),
      emailVerified: me.verified === true && str(me.email) !== null,
      name: str(me.global_name) ?? str(me.username),
      picture: avatar,
    };
  },
};
