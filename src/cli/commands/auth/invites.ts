import { defineCommand } from "citty";
import { color, columns, emit, when } from "../../output.ts";
import { accountsApi } from "../../peer/accounts-api.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "invites", description: "List invites (their links are shown only when created)" },
  async run() {
    const s = session();
    const client = await connect();
    const invites = await accountsApi.listInvites(client);
    emit(s.globals.format, invites, () =>
      invites.length === 0
        ? color.dim(`no invites on ${client.name}`)
        : columns(
            ["ID", "ROLE", "USES", "STATUS", "EXPIRES", "CREATED"],
            invites.map((i) => [
              i.id,
              i.role,
              `${i.uses}/${i.maxUses}`,
              i.status,
              when(i.expiresAt),
              when(i.createdAt),
            ]),
          ),
    );
  },
});
