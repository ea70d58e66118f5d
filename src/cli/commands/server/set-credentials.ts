import { defineCommand } from "citty";
import { setOwnerCredentials } from "../../../auth/index.ts";
import { FaztError } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { session } from "../../session.ts";

async function readStdinPassword(): Promise<string> {
  const text = await Bun.stdin.text();
  return text.replace(/\r?\n$/, "");
}

export default defineCommand({
  meta: { name: "set-credentials", description: "Change the owner's user name and/or password" },
  args: {
    username: { type: "string", description: "New user name", valueHint: "U" },
    password: { type: "string", description: "New password", valueHint: "P" },
    "password-stdin": { type: "boolean", description: "Read the new password from standard input" },
  },
  async run({ args }) {
    const s = session();
    s.localOnly("server set-credentials");
    if (args.password !== undefined && args["password-stdin"]) {
      throw new FaztError("USAGE", "give either --password or --password-stdin, not both");
    }
    const password = args["password-stdin"] ? await readStdinPassword() : args.password;
    const store = await s.openStore({ create: false });
    const owner = await setOwnerCredentials(store, { username: args.username, password });
    emit(s.globals.format, { owner: owner.username, passwordChanged: password !== undefined }, () =>
      password !== undefined
        ? `credentials of ${owner.username} updated`
        : `owner renamed to ${owner.username}`,
    );
  },
});
