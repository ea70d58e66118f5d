/** The parts of the instance's config (db/config.ts) that make its URLs; web/ imports no config. */
type UrlConfig = { domain: string; port: number; https: boolean };

/** `scheme://HOST[:port]`, leaving out the scheme's default port. */
function originOf(config: UrlConfig, host: string): string {
  const scheme = config.https ? "https" : "http";
  const defaultPort = config.https ? 443 : 80;
  const port = config.https || config.port === defaultPort ? "" : `:${config.port}`;
  return `${scheme}://${host}${port}`;
}

/** Where an app is reached: `http://blog.localhost:4698`, `https://example.com` for `root` (`root.localhost` on localhost, whose bare host is the admin). */
export function appUrl(config: UrlConfig, name: string): string {
  const bareIsAdmin = config.domain === "localhost";
  return originOf(config, name === "root" && !bareIsAdmin ? config.domain : `${name}.${config.domain}`);
}

/** The instance's own origin (`http://localhost:4698`, `https://example.com`): where OAuth returns and invite links point. */
export function apexUrl(config: UrlConfig): string {
  return originOf(config, config.domain);
}

/** Where kept version `seq` of an app is previewed by admins: `http://v3--blog.localhost:4698`. */
export function previewUrl(config: UrlConfig, name: string, seq: number): string {
  return originOf(config, `v${seq}--${name}.${config.domain}`);
}
