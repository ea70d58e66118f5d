import type { Config } from "../db/config.ts";

/** Where an app is reached: `http://blog.localhost:4698`, `https://example.com` for `root`. */
export function appUrl(config: Pick<Config, "domain" | "port" | "https">, name: string): string {
  const scheme = config.https ? "https" : "http";
  const defaultPort = config.https ? 443 : 80;
  const port = config.https || config.port === defaultPort ? "" : `:${config.port}`;
  const host = name === "root" ? config.domain : `${name}.${config.domain}`;
  return `${scheme}://${host}${port}`;
}
