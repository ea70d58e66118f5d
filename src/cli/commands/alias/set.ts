import { defineCommand } from "citty";
import * as v from "valibot";
import { appNameSchema } from "../../../apps/index.ts";
import { FaztError, parse } from "../../../core/index.ts";
import { emit } from "../../output.ts";
import { api, connect } from "../../peer/index.ts";
import { session } from "../../session.ts";

const redirectSchema = v.pipe(
  v.string(),
  v.trim(),
  v.check((s) => {
    try {
      const u = new URL(s);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, "must be an http:// or https:// URL"),
);

export default defineCommand({
  meta: {
    name: "set",
    description: "Point NAME at an app (--app), a URL (--redirect), or nothing (--reserved)",
  },
  args: {
    name: { type: "positional", description: "The subdomain", valueHint: "NAME", required: true },
    app: { type: "string", description: "Serve this app at NAME", valueHint: "APP" },
    redirect: {
      type: "string",
      description: "Redirect NAME to this URL (301, path and query kept)",
      valueHint: "URL",
    },
    reserved: { type: "boolean", description: "Keep NAME unused (404)" },
  },
  async run({ args }) {
    const s = session();
    const given = [args.app !== undefined, args.redirect !== undefined, args.reserved === true].filter(
      Boolean,
    );
    if (given.length !== 1) {
      throw new FaztError("USAGE", "give exactly one of --app APP, --redirect URL, --reserved");
    }
    const name = parse(appNameSchema, args.name, "alias name");
    const body =
      args.app !== undefined
        ? { name, type: "app" as const, app: parse(appNameSchema, args.app, "--app") }
        : args.redirect !== undefined
          ? { name, type: "redirect" as const, url: parse(redirectSchema, args.redirect, "--redirect") }
          : { name, type: "reserved" as const };
    const alias = await api.setAlias(await connect(), body);
    emit(s.globals.format, alias, () =>
      alias.type === "app"
        ? `${alias.name} → app ${alias.app}`
        : alias.type === "redirect"
          ? `${alias.name} → redirect to ${alias.url}`
          : `${alias.name} reserved`,
    );
  },
});
