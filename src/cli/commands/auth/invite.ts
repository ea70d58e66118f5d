import { defineCommand } from "citty";
import * as v from "valibot";
import { parse } from "../../../core/index.ts";
import { color, emit, table, when } from "../../output.ts";
import { accountsApi } from "../../peer/accounts-api.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

const flagsSchema = v.object({
  role: v.optional(v.picklist(["admin", "user"], 'must be "user" or "admin"')),
  "max-uses": v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, "must be a whole number"),
      v.toNumber(),
      v.minValue(1, "must be at least 1"),
    ),
  ),
  expiry: v.optional(
    v.pipe(v.string(), v.trim(), v.regex(/^\d{1,9}[smhd]$/, "must be a duration such as 90s, 15m, 2h or 7d")),
  ),
});

export default defineCommand({
  meta: { name: "invite", description: "Create an invite link: the invitee picks an email and a password" },
  args: {
    role: { type: "string", description: "The new user's role: user (default) or admin", valueHint: "ROLE" },
    "max-uses": {
      type: "string",
      description: "How many accounts the link may create (default 1)",
      valueHint: "N",
    },
    expiry: {
      type: "string",
      description: "How long the link stays valid: 90s, 15m, 2h, 7d (default 7d)",
      valueHint: "DURATION",
    },
  },
  async run({ args }) {
    const s = session();
    const flags = parse(
      flagsSchema,
      { role: args.role, "max-uses": args["max-uses"], expiry: args.expiry },
      "flags",
    );
    const body: { role?: "admin" | "user"; maxUses?: number; expiry?: string } = {};
    if (flags.role !== undefined) body.role = flags.role;
    if (flags["max-uses"] !== undefined) body.maxUses = flags["max-uses"];
    if (flags.expiry !== undefined) body.expiry = flags.expiry;
    const invite = await accountsApi.createInvite(await connect(), body);
    emit(s.globals.format, invite, () =>
      [
        invite.url,
        color.dim(
          table([
            ["role", invite.role],
            ["uses", `${invite.maxUses}`],
            ["expires", when(invite.expiresAt)],
          ]),
        ),
        color.dim("The link is shown once: only its hash is stored."),
      ].join("\n"),
    );
  },
});
