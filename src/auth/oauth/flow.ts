import * as oauth from "oauth4webapi";
import type { Logger } from "../../core/index.ts";
import { digestsEqual, FaztError, parse, sha256Hex } from "../../core/index.ts";
import type { Config } from "../../db/index.ts";
import type { AccountsDb } from "../db.ts";
import type { UserInfo } from "../users.ts";
import { linkAccount } from "./link.ts";
import {
  allowedProviderUrl,
  callbackUrl,
  enabledProvider,
  type ProviderConfig,
  providerDef,
} from "./providers.ts";
import { consumeState, saveState } from "./states.ts";
import { type ProfileInput, type ProviderDef, profileSchema } from "./types.ts";

const HTTP_TIMEOUT_MS = 10_000;
const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/**
 * Every request to a provider goes through here: only https://, or http://
 * on loopback (the same rule as the stored URLs, now also for what discovery
 * announced), never following redirects, with a deadline.
 */
const guardedFetch = (url: string, options: oauth.CustomFetchOptions<string, unknown>): Promise<Response> => {
  if (!allowedProviderUrl(url)) {
    return Promise.reject(
      new FaztError("BAD_REQUEST", `provider URL refused: ${new URL(url).origin} is not https`),
    );
  }
  return fetch(url, { ...options, body: options.body as BodyInit | null | undefined, redirect: "manual" });
};

const httpOptions = {
  [oauth.customFetch]: guardedFetch,
  // Loopback http:// only: guardedFetch refuses plain http anywhere else.
  [oauth.allowInsecureRequests]: true,
  signal: () => AbortSignal.timeout(HTTP_TIMEOUT_MS),
  headers: { "user-agent": "fazt" },
};

/** oauth4webapi's hook for an ID token issuer that is not the discovered one verbatim (Entra ID's `{tenantid}`). */
const expectedIssuerHook = (oauth as unknown as Record<string, unknown>)._expectedIssuer;

const discovered = new Map<string, { as: oauth.AuthorizationServer; at: number }>();

async function discover(def: ProviderDef, issuer: string): Promise<oauth.AuthorizationServer> {
  const key = `${def.name} ${issuer}`;
  const hit = discovered.get(key);
  if (hit && Date.now() - hit.at < DISCOVERY_TTL_MS) return hit.as;
  const res = await oauth.discoveryRequest(new URL(issuer), httpOptions);
  let expected = issuer;
  if (def.kind === "oidc" && def.discoveredIssuer) {
    const announced: unknown = await res
      .clone()
      .json()
      .then((j: { issuer?: unknown }) => j.issuer)
      .catch(() => undefined);
    if (typeof announced === "string") expected = def.discoveredIssuer(issuer, announced) ?? issuer;
  }
  const as = await oauth.processDiscoveryResponse(new URL(expected), res);
  discovered.set(key, { as, at: Date.now() });
  return as;
}

/** The provider's endpoints: discovered (OIDC) or built in (OAuth2), with the stored overrides on top. */
async function metadata(def: ProviderDef, cfg: ProviderConfig): Promise<oauth.AuthorizationServer> {
  let as: oauth.AuthorizationServer;
  if (def.kind === "oidc") {
    const issuer = cfg.issuer ?? def.defaultIssuer;
    if (!issuer) throw new FaztError("BAD_REQUEST", `${def.name} has no issuer configured`);
    as = { ...(await discover(def, issuer)) };
    if (def.tokenIssuer && typeof expectedIssuerHook === "symbol" && as.issuer.includes("{")) {
      const base = as.issuer;
      const tokenIssuer = def.tokenIssuer;
      Object.assign(as, {
        [expectedIssuerHook]: (result: { claims: Record<string, unknown> }) =>
          tokenIssuer(base, result.claims),
      });
    }
  } else {
    const authorize = cfg.authorizeUrl ?? def.defaults.authorizeUrl;
    as = {
      issuer: new URL(authorize).origin,
      authorization_endpoint: def.defaults.authorizeUrl,
      token_endpoint: def.defaults.tokenUrl,
      userinfo_endpoint: def.defaults.userinfoUrl,
    };
  }
  if (cfg.authorizeUrl) as = { ...as, authorization_endpoint: cfg.authorizeUrl };
  if (cfg.tokenUrl) as = { ...as, token_endpoint: cfg.tokenUrl };
  if (cfg.userinfoUrl) as = { ...as, userinfo_endpoint: cfg.userinfoUrl };
  for (const url of [as.authorization_endpoint, as.token_endpoint]) {
    if (!url || !allowedProviderUrl(url)) {
      throw new FaztError("BAD_REQUEST", `${def.name}: the provider's endpoints are missing or not https`, {
        status: 502,
      });
    }
  }
  return as;
}

function clientOf(def: ProviderDef, cfg: ProviderConfig, as: oauth.AuthorizationServer) {
  const algs = as.id_token_signing_alg_values_supported;
  const client: oauth.Client = {
    client_id: cfg.clientId,
    id_token_signed_response_alg: !algs || algs.includes("RS256") ? "RS256" : algs[0]!,
  };
  const methods = as.token_endpoint_auth_methods_supported;
  const method =
    !methods || methods.includes(`client_secret_${def.clientAuth}`)
      ? def.clientAuth
      : methods.includes("client_secret_post")
        ? "post"
        : "basic";
  const auth =
    method === "post" ? oauth.ClientSecretPost(cfg.clientSecret) : oauth.ClientSecretBasic(cfg.clientSecret);
  return { client, auth };
}

/**
 * The address a start is counted under: the IP itself, or for IPv6 its /64
 * (one client commonly holds a whole /64, so counting single addresses would
 * not bound it).
 */
function clientBucket(ip: string): string {
  if (!ip.includes(":")) return ip;
  const [head = "", tail = ""] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = ip.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * Starts a sign-in: a random state, a PKCE verifier (and a nonce for OIDC)
 * kept server-side (the state only as its sha256) for 10 minutes with where
 * to go afterwards and the client that asked; answers the provider's
 * authorize URL, and the state for the caller to bind to the browser (a
 * cookie checked at the callback). Each client keeps at most
 * 10 unfinished starts: a new one evicts its oldest (states.ts).
 */
export async function startSignIn(
  store: AccountsDb,
  config: Config,
  name: string,
  redirect: string,
  client: { ip: string },
): Promise<{ location: string; state: string }> {
  const { def, config: cfg } = enabledProvider(store, name);
  const as = await metadata(def, cfg).catch((err: unknown) => {
    if (err instanceof FaztError) throw err;
    throw new FaztError("UNAVAILABLE", `could not reach ${def.label} to start signing in; try again later`, {
      status: 502,
      cause: err,
    });
  });
  const state = oauth.generateRandomState();
  const verifier = oauth.generateRandomCodeVerifier();
  const nonce = def.kind === "oidc" ? oauth.generateRandomNonce() : null;
  saveState(store, state, {
    provider: def.name,
    code_verifier: verifier,
    nonce,
    redirect,
    clientBucket: clientBucket(client.ip),
  });
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set("client_id", cfg.clientId);
  url.searchParams.set("redirect_uri", callbackUrl(config, def.name));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", def.scope);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (nonce) url.searchParams.set("nonce", nonce);
  return { location: url.toString(), state };
}

/** A provider's `error=` code, shown only when it is a plain OAuth error code. */
const errorCode = (e: string) => (/^[a-z_]{1,64}$/.test(e) ? ` (${e})` : "");

/**
 * Finishes a sign-in at the callback: the state consumed atomically, checked
 * against the provider and against the state the starting browser holds
 * (`boundState`, from its cookie: a callback link planted in another browser
 * fails, and burns the state), the code exchanged with the PKCE verifier,
 * the ID token validated (signature by the issuer's JWKS, iss, aud, exp,
 * nonce) for OIDC, the account read and matched to a user.
 */
export async function finishSignIn(
  store: AccountsDb,
  config: Config,
  log: Logger,
  name: string,
  params: URLSearchParams,
  boundState: string | null,
): Promise<{ user: UserInfo; redirect: string }> {
  const def = providerDef(name);
  if (!def) throw new FaztError("NOT_FOUND", `sign-in with "${name}" is not enabled here`);
  const state = params.get("state");
  const row = state ? consumeState(store, state) : null;
  const denied = params.get("error");
  if (denied !== null) {
    throw new FaztError(
      "BAD_REQUEST",
      `${def.label} did not sign you in${errorCode(denied)}. You can try again.`,
    );
  }
  if (!state || !row || row.provider !== def.name) {
    throw new FaztError("BAD_REQUEST", "this sign-in link is invalid, expired or already used; start again");
  }
  if (!boundState || !digestsEqual(sha256Hex(boundState), sha256Hex(state))) {
    throw new FaztError(
      "BAD_REQUEST",
      "this sign-in was not started in this browser (or took longer than 10 minutes); start again here",
    );
  }
  const { config: cfg } = enabledProvider(store, def.name);
  try {
    const as = await metadata(def, cfg);
    const { client, auth } = clientOf(def, cfg, as);
    const callbackParams = oauth.validateAuthResponse(as, client, params, state);
    const tokenRes = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      callbackParams,
      callbackUrl(config, def.name),
      row.code_verifier,
      httpOptions,
    );
    const oidc = def.kind === "oidc";
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      tokenRes,
      oidc ? { expectedNonce: row.nonce ?? oauth.expectNoNonce, requireIdToken: true } : {},
    );
    let claims: oauth.IDToken | undefined;
    let userinfo: oauth.UserInfoResponse | undefined;
    if (oidc) {
      // Over TLS the signature is optional (OIDC Core 3.1.3.7); checking it costs one cached JWKS fetch.
      await oauth.validateApplicationLevelSignature(as, tokenRes, httpOptions);
      claims = oauth.getValidatedIdTokenClaims(tokens);
      if (claims && as.userinfo_endpoint) {
        try {
          const res = await oauth.userInfoRequest(as, client, tokens.access_token, httpOptions);
          userinfo = await oauth.processUserInfoResponse(as, client, claims.sub, res);
        } catch (err) {
          log.warn("oauth userinfo failed; using the ID token", { provider: def.name, error: describe(err) });
        }
      }
    }
    const input: ProfileInput = {
      as,
      tokens,
      claims,
      userinfo,
      async getJson(url) {
        const res = await oauth.protectedResourceRequest(
          tokens.access_token,
          "GET",
          new URL(url),
          new Headers({ accept: "application/json", "user-agent": "fazt" }),
          null,
          httpOptions,
        );
        if (!res.ok)
          throw new FaztError(
            "BAD_REQUEST",
            `${def.label} answered ${res.status} for ${new URL(url).pathname}`,
          );
        return res.json();
      },
    };
    const profile = parse(profileSchema, await def.profile(input), `${def.label} account`);
    const user = linkAccount(store, def.name, profile);
    return { user, redirect: row.redirect };
  } catch (err) {
    if (err instanceof FaztError) throw err;
    log.warn("oauth sign-in failed", { provider: def.name, error: describe(err) });
    const network = err instanceof TypeError || (err instanceof Error && /abort|timeout/i.test(err.name));
    throw new FaztError("BAD_REQUEST", `sign-in with ${def.label} failed; start again`, {
      status: network ? 502 : 400,
      cause: err,
    });
  }
}

/** An error for the log: name, code and message, never a token or secret (oauth4webapi's messages hold neither). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const oauthError = (err as { error?: unknown }).error;
  return [
    err.name,
    typeof code === "string" ? code : "",
    typeof oauthError === "string" ? oauthError : "",
    err.message,
  ]
    .filter(Boolean)
    .join(": ");
}
