import * as v from "valibot";
import { FaztError } from "../../core/index.ts";
import type { ProviderDef } from "./types.ts";
import { str } from "./types.ts";

const userSchema = v.looseObject({
  id: v.union([v.number(), v.string()]),
  login: v.optional(v.nullable(v.string())),
  name: v.optional(v.nullable(v.string())),
  email: v.optional(v.nullable(v.string())),
  avatar_url: v.optional(v.nullable(v.string())),
});

const emailsSchema = v.array(
  v.looseObject({ email: v.string(), primary: v.optional(v.boolean()), verified: v.optional(v.boolean()) }),
);

/** `…/user` → `…/user/emails` (also on GitHub Enterprise's `/api/v3/user`). */
export const emailsUrl = (userUrl: string) => `${userUrl.replace(/\/+$/, "")}/emails`;

/**
 * GitHub: OAuth2. The account is `GET /user`; whether an address is verified
 * only `GET /user/emails` says (scope `user:email`), so the profile's email
 * is the public one when that list marks it verified, else the primary
 * verified one; without the list, the public address counts as unverified.
 */
export const github: ProviderDef = {
  name: "github",
  label: "GitHub",
  kind: "oauth2",
  scope: "read:user user:email",
  clientAuth: "post",
  defaults: {
    authorizeUrl: "https://github.com/login/oauth/authorize",
    tokenUrl: "https://github.com/login/oauth/access_token",
    userinfoUrl: "https://api.github.com/user",
  },
  async profile({ as, getJson }) {
    const userUrl = as.userinfo_endpoint!;
    const parsed = v.safeParse(userSchema, await getJson(userUrl));
    if (!parsed.success)
      throw new FaztError("BAD_REQUEST", "GitHub's user answer is not understood", { status: 502 });
    const user = parsed.output;
    let emails: v.InferOutput<typeof emailsSchema> = [];
    try {
      const list = v.safeParse(emailsSchema, await getJson(emailsUrl(userUrl)));
      if (list.success) emails = list.output;
    } catch {
      // Without the list every address stays unverified.
    }
    const publicEmail = str(user.email);
    const listed = publicEmail
      ? emails.find((e) => e.email.toLowerCase() === publicEmail.toLowerCase() && e.verified === true)
      : undefined;
    const primary = emails.find((e) => e.primary === true && e.verified === true);
    const chosen = listed ?? primary;
    return {
      subject: String(user.id),
      email: chosen?.email ?? publicEmail,
      emailVerified: chosen !== undefined,
      name: str(user.name) ?? str(user.login),
      picture: str(user.avatar_url),
    };
  },
};
