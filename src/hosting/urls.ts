import type { Config } from "../db/config.ts";

type UrlConfig = Pick<Config, "domain" | "port" | "https">;

function origin(config: UrlConfig, host: string): string {
  const scheme = config.https ? "https" : "http";
  const defaultPort = config.https ? 443 : 80;
  const port = config.https || config.port === defaultPort ? "" : `:${config.port}`;
  return `${scheme}://${host}${port}`;
}

/** Where an app is reached: `http://blog.localhost:4698`, `https://example.com` for `root`. */
export function appUrl(config: UrlConfig, name: string): string {
  return origin(config, name === "root" ? config.domain : `${name}.${config.domain}`);
}

/** Where kept version `seq` of an app is previewed by admins: `http://v3--blog.localhost:4698`. */
export function previewUrl(config: UrlConfig, name: string, seq: number): string {
  return origin(config, `v${seq}--${name}.${config.domain}`);
}
