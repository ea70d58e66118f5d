import * as v from "valibot";
import { FaztError, parse } from "../../core/index.ts";
import type { Config } from "../../db/index.ts";
import { apexUrl } from "../../web/index.ts";
import { type AccountsDb, lockNames } from "../db.ts";
import { discord } from "./discord.ts";
import { github } from "./github.ts";
import { google } from "./google.ts";
import { microsoft } from "./microsoft.ts";
import { oidc } from "./oidc.ts";
import { PROVIDER_NAMES, type ProviderDef, type ProviderName } from "./types.ts";

/** The providers Fazt knows (docs/security.md), by name. */
export const PROVIDERS: Record<ProviderName, ProviderDef> = { google, github, discord, microsoft, oidc };

export function providerDef(name: string): ProviderDef | null {
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? PROVIDERS[name as ProviderName] : null;
}

/** A stored provider, secret included: never leaves the server. */
export interface ProviderConfig {
  name: ProviderName;
  clientId: string;
  clientSecret: string;
  issuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  enabled: boolean;
  updatedAt: number;
}

/** A provider as the API shows it: whether a secret is set, never the secret. */
export interface ProviderView {
  name: ProviderName;
  label: string;
  kind: "oidc" | "oauth2";
  configured: boolean;
  enabled: boolean;
  clientId: string | null;
  clientSecretSet: boolean;
  issuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  /** What to register at the provider as the redirect (callback) URL. */
  callbackUrl: string;
  updatedAt: number | null;
}

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Provider URLs are `https://`, or plain `http://` on a loopback host only
 * (a provider on this machine, tests): tokens and secrets never cross a
 * network in the clear.
 */
export function allowedProviderUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password || url.hash) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOOPBACK.has(url.hostname.toLowerCase());
}

const urlField = v.optional(
  v.nullable(
    v.pipe(
      v.string("must be a URL"),
      v.trim(),
      v.maxLength(2000, "is too long"),
      v.check(
        allowedProviderUrl,
        "must be an https:// URL (plain http:// only on 127.0.0.1, ::1 or localhost)",
      ),
    ),
  ),
);

/** `PUT /api/auth/providers/NAME`: omitted fields keep their stored value; `null` clears a URL. */
export const providerPatchSchema = v.strictObject({
  clientId: v.optional(
    v.pipe(v.string("must be text"), v.trim(), v.minLength(1, "is empty"), v.maxLength(500)),
  ),
  clientSecret: v.optional(v.pipe(v.string("must be text"), v.minLength(1, "is empty"), v.maxLength(2000))),
  issuer: urlField,
  authorizeUrl: urlField,
  tokenUrl: urlField,
  userinfoUrl: urlField,
  enabled: v.optional(v.boolean("must be true or false")),
});
export type ProviderPatch = v.InferOutput<typeof providerPatchSchema>;

const COLUMNS = `name, client_id AS "clientId", client_secret AS "clientSecret", issuer, authorize_url AS "authorizeUrl",
  token_url AS "tokenUrl", userinfo_url AS "userinfoUrl", enabled, updated_at AS "updatedAt"`;

type Row = Omit<ProviderConfig, "enabled"> & { enabled: number };
const fromRow = (r: Row): ProviderConfig => ({ ...r, enabled: r.enabled === 1 });

export function readProvider(store: AccountsDb, name: ProviderName): ProviderConfig | null {
  const row = store.engine.get<Row>(`SELECT ${COLUMNS} FROM auth_providers WHERE name = ?`, [name]);
  return row ? fromRow(row) : null;
}

/** The names of the enabled providers, for the sign-in page's buttons. */
export function enabledProviderNames(store: AccountsDb): string[] {
  return store.engine
    .all<{ name: string }>("SELECT name FROM auth_providers WHERE enabled = 1 ORDER BY name")
    .map((r) => r.name);
}

/** The enabled provider of that name with its definition, or a 404. */
export function enabledProvider(
  store: AccountsDb,
  name: string,
): { def: ProviderDef; config: ProviderConfig } {
  const def = providerDef(name);
  const config = def ? readProvider(store, def.name) : null;
  if (!def || !config?.enabled)
    throw new FaztError("NOT_FOUND", `sign-in with "${name}" is not enabled here`);
  return { def, config };
}

/** Where a provider sends the browser back: always the apex, `http(s)://D[:port]/auth/callback/NAME`. */
export function callbackUrl(config: Pick<Config, "domain" | "port" | "https">, name: ProviderName): string {
  return `${apexUrl(config)}/auth/callback/${name}`;
}

function view(def: ProviderDef, c: ProviderConfig | null, config: Config): ProviderView {
  return {
    name: def.name,
    label: def.label,
    kind: def.kind,
    configured: c !== null,
    enabled: c?.enabled ?? false,
    clientId: c?.clientId ?? null,
    clientSecretSet: Boolean(c?.clientSecret),
    issuer: c?.issuer ?? null,
    authorizeUrl: c?.authorizeUrl ?? null,
    tokenUrl: c?.tokenUrl ?? null,
    userinfoUrl: c?.userinfoUrl ?? null,
    callbackUrl: callbackUrl(config, def.name),
    updatedAt: c?.updatedAt ?? null,
  };
}

/** Every known provider, configured or not, without secrets. */
export function listProviders(store: AccountsDb, config: Config): ProviderView[] {
  return PROVIDER_NAMES.map((n) => view(PROVIDERS[n], readProvider(store, n), config));
}

/**
 * Creates or updates a provider. A new one needs a client id and secret; an
 * enabled `oidc` needs an issuer; OAuth2 providers have no issuer.
 */
export function setProvider(store: AccountsDb, config: Config, name: string, input: unknown): ProviderView {
  const def = providerDef(name);
  if (!def) throw new FaztError("NOT_FOUND", `no provider "${name}"; known: ${PROVIDER_NAMES.join(", ")}`);
  const patch = parse(providerPatchSchema, input, "body");
  const saved = store.engine.transaction(
    () => {
      lockNames(store.engine, [`provider:${def.name}`]);
      const old = readProvider(store, def.name);
      const next: ProviderConfig = {
        name: def.name,
        clientId: patch.clientId ?? old?.clientId ?? "",
        clientSecret: patch.clientSecret ?? old?.clientSecret ?? "",
        issuer: patch.issuer === undefined ? (old?.issuer ?? null) : patch.issuer,
        authorizeUrl: patch.authorizeUrl === undefined ? (old?.authorizeUrl ?? null) : patch.authorizeUrl,
        tokenUrl: patch.tokenUrl === undefined ? (old?.tokenUrl ?? null) : patch.tokenUrl,
        userinfoUrl: patch.userinfoUrl === undefined ? (old?.userinfoUrl ?? null) : patch.userinfoUrl,
        enabled: patch.enabled ?? old?.enabled ?? false,
        updatedAt: Date.now(),
      };
      if (!next.clientId)
        throw new FaztError("VALIDATION_FAILED", "body: clientId: is required for a new provider");
      if (!next.clientSecret) {
        throw new FaztError("VALIDATION_FAILED", "body: clientSecret: is required for a new provider");
      }
      if (def.kind === "oauth2" && next.issuer) {
        throw new FaztError(
          "VALIDATION_FAILED",
          `body: issuer: ${def.name} is OAuth2, not OpenID Connect; give authorizeUrl, tokenUrl and userinfoUrl instead`,
        );
      }
      if (def.kind === "oidc" && def.defaultIssuer === null && next.enabled && !next.issuer) {
        throw new FaztError("VALIDATION_FAILED", `body: issuer: is required to enable ${def.name}`);
      }
      store.engine.run(
        `INSERT INTO auth_providers (name, client_id, client_secret, issuer, authorize_url, token_url, userinfo_url, enabled, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET client_id = excluded.client_id, client_secret = excluded.client_secret,
             issuer = excluded.issuer, authorize_url = excluded.authorize_url, token_url = excluded.token_url,
             userinfo_url = excluded.userinfo_url, enabled = excluded.enabled, updated_at = excluded.updated_at`,
        [
          next.name,
          next.clientId,
          next.clientSecret,
          next.issuer,
          next.authorizeUrl,
          next.tokenUrl,
          next.userinfoUrl,
          next.enabled ? 1 : 0,
          next.updatedAt,
        ],
      );
      return next;
    },
    { immediate: true },
  );
  return view(def, saved, config);
}
