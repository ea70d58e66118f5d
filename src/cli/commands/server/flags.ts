import * as v from "valibot";
import { parse } from "../../../core/index.ts";
import type { ConfigPatch } from "../../../db/index.ts";
import { configPatchSchema } from "../../../db/index.ts";

/** Flags shared by `server init`, `start` and `set-config`, turned into a validated config patch. */
export const configFlags = {
  domain: { type: "string", description: "Domain apps live under (NAME.DOMAIN)", valueHint: "D" },
  port: { type: "string", description: "HTTP port", valueHint: "N" },
} as const;

const onOff = v.pipe(
  v.picklist(["on", "off", "true", "false"], "must be on or off"),
  v.transform((s) => s === "on" || s === "true"),
);

export function configPatchFromFlags(flags: Record<string, unknown>): ConfigPatch {
  const raw: Record<string, unknown> = {};
  if (flags.domain !== undefined) raw.domain = flags.domain;
  if (flags.port !== undefined) raw.port = flags.port;
  if (flags.env !== undefined) raw.env = flags.env;
  if (flags.email !== undefined) raw.email = flags.email;
  if (flags["release-base-url"] !== undefined) raw.releaseBaseUrl = flags["release-base-url"];
  if (typeof flags.https === "string") raw.https = parse(onOff, flags.https, "--https");
  else if (flags.https === true) raw.https = true;
  const patch = parse(configPatchSchema, raw, "option");
  return patch;
}
