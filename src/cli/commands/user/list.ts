import { defineCommand } from "citty";
import { color, columns, emit, when } from "../../output.ts";
import { accountsApi } from "../../peer/accounts-api.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

export default defineCommand({
  meta: { name: "list", description: "List users" },
  async run() {
    const s = session();
    const client = await connect();
    const users = await accountsApi.listUsers(client);
    emit(s.globals.format, users, () =>
      users.length === 0
        ? color.dim(`no users on ${client.name}`)
        : columns(
            ["ID", "USERNAME", "EMAIL", "NAME", "ROLE", "LAST SIGN-IN"],
            users.map((u) => [u.id, u.username, u.email, u.name, u.role, when(u.lastLoginAt)]),
          ),
    );
  },
});
