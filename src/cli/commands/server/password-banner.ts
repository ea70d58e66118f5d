import { color } from "../../output.ts";

/** The one time a generated owner password is shown. */
export function passwordBanner(username: string, password: string): string {
  return [
    "",
    color.bold("Owner account created. Save this password now: it is not shown again."),
    `  user:     ${username}`,
    `  password: ${color.green(password)}`,
    color.dim("  (change it with `fazt server set-credentials`)"),
    "",
  ].join("\n");
}
