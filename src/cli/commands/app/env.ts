import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { assertEnvKey } from "../../../apps/index.ts";
import { FaztError } from "../../../core/index.ts";
import { columns, emit, when } from "../../output.ts";
import { connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

const entrySchema = v.looseObject({
  key: v.string(),
  preview: v.string(),
  length: v.nullish(v.number()),
  updatedAt: v.number(),
});
type Entry = v.InferOutput<typeof entrySchema>;

const seg = encodeURIComponent;

/**
 * `set` and `unset` take any number of words, but the runner refuses more
 * positional arguments than a command declares. So the list is made when the
 * command runs: the three documented ones, plus one unlisted slot per word of
 * this command line (left out when printing help, which would list them).
 */
function envArgs(): ArgsDef {
  const defs: ArgsDef = {
    name: { type: "positional", description: "The app", valueHint: "NAME", required: true },
    action: {
      type: "positional",
      description: "set or unset; without it, list the keys (values are never shown)",
      valueHint: "set|unset",
      required: false,
    },
    items: {
      type: "positional",
      description: "KEY=VALUE… to set, or KEY… to unset",
      valueHint: "KEY[=VALUE]…",
      required: false,
    },
  };
  const argv = process.argv;
  if (!argv.includes("--help") && !argv.includes("-h")) {
    for (let i = 0; i < argv.length; i++) defs[`more${i}`] = { type: "positional", required: false };
  }
  return defs;
}

function usage(message: string): FaztError {
  return new FaztError("USAGE", `${message} (see \`fazt app env --help\`)`);
}

/** The key, checked here so a typo is refused before anything is sent. */
function checkedKey(key: string): string {
  try {
    assertEnvKey(key);
  } catch (e) {
    throw usage((e as Error).message);
  }
  return key;
}

/** Every value is shown as the same mask: not its first characters, not its length. */
const MASK = "••••••••";

/** What the CLI prints of an entry, whatever preview the server sends. */
const masked = (entries: Entry[]) =>
  entries.map((e) => ({ key: e.key, value: MASK, updatedAt: e.updatedAt }));

function envTable(entries: Entry[]): string {
  return columns(
    ["KEY", "VALUE", "UPDATED"],
    masked(entries).map((e) => [e.key, e.value, when(e.updatedAt)]),
  );
}

export default defineCommand({
  meta: {
    name: "env",
    description:
      "List an app's env keys, or `set KEY=VALUE…` / `unset KEY…` (applies on the next request, no redeploy)",
  },
  args: envArgs,
  async run({ args }) {
    const s = session();
    const [name, action, ...items] = args._ as string[];
    if (name === undefined) throw usage("name the app");
    const path = `/api/apps/${seg(name)}/env`;
    const list = v.array(entrySchema);

    if (action === undefined) {
      const client = await connect();
      const entries = await client.call("GET", path, list);
      emit(s.globals.format, masked(entries), () =>
        entries.length === 0 ? `${name} has no env keys` : envTable(entries),
      );
      return;
    }
    if (action !== "set" && action !== "unset") {
      throw usage(`unknown action "${action}": use set KEY=VALUE… or unset KEY…`);
    }
    if (items.length === 0) {
      throw usage(action === "set" ? "set needs KEY=VALUE arguments" : "unset needs KEY arguments");
    }

    let body: { set: Record<string, string> } | { unset: string[] };
    if (action === "set") {
      // Built without a prototype, so a key can never reach Object.prototype on its way to JSON.
      const vars: Record<string, string> = Object.create(null);
      for (const item of items) {
        const eq = item.indexOf("=");
        if (eq < 0) throw usage(`"${item}" is not KEY=VALUE`);
        vars[checkedKey(item.slice(0, eq))] = item.slice(eq + 1);
      }
      body = { set: vars };
    } else {
      for (const item of items) {
        if (item.includes("=")) throw usage(`unset takes keys only, not "${item}"`);
        checkedKey(item);
      }
      body = { unset: [...new Set(items)] };
    }
    const client = await connect();
    const entries = await client.call("PUT", path, list, { json: body });
    const keys = "set" in body ? Object.keys(body.set) : body.unset;
    emit(s.globals.format, masked(entries), () => `${action} ${keys.join(", ")} on ${name} (${client.name})`);
  },
});
