import { defineCommand } from "citty";
import * as v from "valibot";
import { FaztError, parse } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { accountsApi, type User } from "../../peer/accounts-api.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

const roleSchema = v.picklist(["admin", "user"], 'must be "admin" or "user" (there is one owner)');
const whoSchema = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, "is required"),
  v.maxLength(320, "is too long"),
);

/** The user a command names: by id, else by user name or email (case-insensitive). */
export function findUser(users: User[], who: string): User {
  const key = who.toLowerCase();
  const found =
    users.find((u) => u.id === who) ??
    users.find((u) => u.username?.toLowerCase() === key || u.email?.toLowerCase() === key);
  if (!found) throw new FaztError("NOT_FOUND", `no user "${who}": see \`fazt user list\``);
  return found;
}

export default defineCommand({
  meta: {
    name: "set-role",
    description: "Change a user's role (admin or user); only the owner makes admins",
  },
  args: {
    user: {
      type: "positional",
      description: "The user's id, user name or email",
      valueHint: "USER",
      required: true,
    },
    role: { type: "positional", description: "admin or user", valueHint: "ROLE", required: true },
  },
  async run({ args }) {
    const s = session();
    const who = parse(whoSchema, args.user, "user");
    const role = parse(roleSchema, args.role, "role");
    const client = await connect();
    const target = findUser(await accountsApi.listUsers(client), who);
    const user = await accountsApi.setRole(client, target.id, role);
    emit(s.globals.format, user, () => `${user.email ?? user.username ?? user.id} is now ${user.role}`);
  },
});
