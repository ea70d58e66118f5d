import * as v from "valibot";

const RESERVED = new Set(["admin", "api", "www", "auth"]);

/** App and alias names (docs/hosting.md): `[a-z0-9-]`, 1–63, no leading or trailing `-`, not reserved. */
export const appNameSchema = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be 1-63 of a-z, 0-9 and '-', not starting or ending with '-'",
  ),
  v.check((name) => !RESERVED.has(name), "is reserved (admin, api, www, auth)"),
  // `vN--NAME.D` is the preview host of version N of NAME (http/host-routing.ts): no app or alias may look like one.
  v.check(
    (name) => !/^v[0-9]+--/.test(name),
    "must not start with v<number>-- (preview addresses look like that)",
  ),
);
