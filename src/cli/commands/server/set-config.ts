import { defineCommand } from "citty";
import { FaztError, parse, releasePublicKeySchema } from "../../../core/index.ts";
import { configSchema, readConfig, writeConfig } from "../../../db/index.ts";
import { emit, table } from "../../output.ts";
import { repeatedFlag } from "../../repeated-flag.ts";
import { session } from "../../session.ts";
import { configFlags, configPatchFromFlags } from "./flags.ts";

export default defineCommand({
  meta: {
    name: "set-config",
    description: "Change stored server settings (a running server takes them at its next start)",
  },
  args: {
    ...configFlags,
    env: { type: "string", description: "development or production", valueHint: "ENV" },
    https: { type: "string", description: "on or off", valueHint: "on|off" },
    email: { type: "string", description: "Contact email for ACME certificates", valueHint: "E" },
    "release-base-url": {
      type: "string",
      description: "Where `fazt upgrade` looks for releases: https:// (http:// on loopback only)",
      valueHint: "URL",
    },
    "release-public-key": {
      type: "string",
      description:
        "Also trust releases signed by this Ed25519 key (base64 of its raw 32 bytes); repeatable. Only here, never over the API",
      valueHint: "KEY",
    },
    "access-log": {
      type: "string",
      description: "The request log on stdout: all, errors (status 400 and above) or off",
      valueHint: "all|errors|off",
    },
    "remove-release-public-key": {
      type: "string",
      description: "Stop trusting a key added with --release-public-key; repeatable",
      valueHint: "KEY",
    },
  },
  async run({ args, rawArgs }) {
    const s = session();
    s.localOnly("server set-config");
    const patch = configPatchFromFlags(args);
    if (args["access-log"] !== undefined) {
      patch.accessLog = parse(configSchema.entries.accessLog, args["access-log"], "--access-log");
    }
    const add = repeatedFlag(rawArgs, "release-public-key").map((k) =>
      parse(releasePublicKeySchema, k, "--release-public-key"),
    );
    const remove = repeatedFlag(rawArgs, "remove-release-public-key").map((k) =>
      parse(releasePublicKeySchema, k, "--remove-release-public-key"),
    );
    if (Object.keys(patch).length === 0 && add.length === 0 && remove.length === 0)
      throw new FaztError("USAGE", "nothing to change (see `fazt server set-config --help`)");
    const store = await s.openStore({ create: false });
    if (add.length > 0 || remove.length > 0) {
      const known = readConfig(store).releasePublicKeys;
      for (const key of remove) {
        if (!known.includes(key))
          throw new FaztError("NOT_FOUND", `release public key ${key} is not trusted here`);
      }
      patch.releasePublicKeys = [...new Set([...known, ...add])].filter((k) => !remove.includes(k));
    }
    const config = writeConfig(store, patch);
    emit(s.globals.format, config, () =>
      table(
        Object.entries(config).map(([k, v]) => [
          k,
          typeof v === "object" && v !== null ? JSON.stringify(v) : v,
        ]),
      ),
    );
  },
});
