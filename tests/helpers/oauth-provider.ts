/**
 * A small OpenID Connect + OAuth2 provider on loopback for the tests, speaking
 * the real protocol: discovery, an authorize redirect (the user's consent is
 * given automatically), the code exchange with client authentication and
 * PKCE (S256), RS256 ID tokens signed with a key from crypto.subtle and
 * published as JWKS, userinfo, and GitHub-like (`/user`, `/user/emails`) and
 * Discord-like (`/users/@me`) user APIs.
 */

export interface FakeUser {
  sub: string;
  email: string | null;
  email_verified: boolean;
  name?: string;
  /** GitHub-like: the address is private, so `/user` says `email: null` and only `/user/emails` has it. */
  privateEmail?: boolean;
}

export interface FakeProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The account that "signs in" at the next authorize request. */
  user: FakeUser;
  /** Answer the next authorize request with `error=access_denied`. */
  denyNext: boolean;
  /** Sign the next ID tokens with a key that is not in the JWKS. */
  badSignature: boolean;
  /** Redirect URIs registered for the client (exact match). */
  redirectUris: Set<string>;
  /** Requests seen, as `METHOD /path`. */
  seen: string[];
  /** Token requests that failed, with why. */
  tokenErrors: string[];
  stop(): Promise<void>;
}

const b64url = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes as ArrayBuffer).toString("base64url");
const enc = new TextEncoder();
const random = () => b64url(crypto.getRandomValues(new Uint8Array(24)));

async function rsaKey() {
  return (await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
}

async function signJwt(key: CryptoKey, kid: string, payload: Record<string, unknown>): Promise<string> {
  const head = b64url(enc.encode(JSON.stringify({ alg: "RS256", typ: "JWT", kid })));
  const body = b64url(enc.encode(JSON.stringify(payload)));
  const sig = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, enc.encode(`${head}.${body}`));
  return `${head}.${body}.${b64url(sig)}`;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  scope: string;
  user: FakeUser;
}

export async function startFakeProvider(
  opts: { clientId?: string; clientSecret?: string } = {},
): Promise<FakeProvider> {
  const keys = await rsaKey();
  const rogue = await rsaKey();
  const kid = "k1";
  const jwk = { ...(await crypto.subtle.exportKey("jwk", keys.publicKey)), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, FakeUser>();

  const state: FakeProvider = {
    issuer: "",
    clientId: opts.clientId ?? "test-client",
    clientSecret: opts.clientSecret ?? "test-secret-do-not-print",
    user: { sub: "u-1", email: "one@example.com", email_verified: true, name: "One" },
    denyNext: false,
    badSignature: false,
    redirectUris: new Set(),
    seen: [],
    tokenErrors: [],
    stop: async () => {},
  };

  const json = (value: unknown, status = 200) =>
    new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
  const tokenError = (error: string, why: string, status = 400) => {
    state.tokenErrors.push(why);
    return json({ error, error_description: why }, status);
  };
  const bearer = (req: Request): FakeUser | null => {
    const h = req.headers.get("authorization") ?? "";
    return h.startsWith("Bearer ") ? (tokens.get(h.slice(7)) ?? null) : null;
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      state.seen.push(`${req.method} ${url.pathname}`);
      const issuer = state.issuer;
      switch (url.pathname) {
        case "/.well-known/openid-configuration":
          return json({
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            userinfo_endpoint: `${issuer}/userinfo`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported: ["S256"],
            scopes_supported: ["openid", "email", "profile"],
          });
        case "/jwks":
          return json({ keys: [jwk] });
        case "/authorize": {
          const q = url.searchParams;
          const redirectUri = q.get("redirect_uri") ?? "";
          if (q.get("client_id") !== state.clientId)
            return new Response("unknown client_id", { status: 400 });
          if (!state.redirectUris.has(redirectUri))
            return new Response("redirect_uri not registered", { status: 400 });
          const back = new URL(redirectUri);
          const st = q.get("state");
          if (st) back.searchParams.set("state", st);
          const fail = (error: string) => {
            back.searchParams.set("error", error);
            return Response.redirect(back.toString(), 302);
          };
          if (state.denyNext) {
            state.denyNext = false;
            return fail("access_denied");
          }
          if (q.get("response_type") !== "code") return fail("unsupported_response_type");
          if (!st) return fail("invalid_request");
          const challenge = q.get("code_challenge");
          if (q.get("code_challenge_method") !== "S256" || !challenge || !/^[\w-]{43}$/.test(challenge)) {
            return fail("invalid_request");
          }
          const code = random();
          codes.set(code, {
            clientId: state.clientId,
            redirectUri,
            challenge,
            nonce: q.get("nonce"),
            scope: q.get("scope") ?? "",
            user: { ...state.user },
          });
          back.searchParams.set("code", code);
          return Response.redirect(back.toString(), 302);
        }
        case "/token": {
          if (req.method !== "POST") return new Response(null, { status: 405 });
          const form = new URLSearchParams(await req.text());
          let id = form.get("client_id");
          let secret = form.get("client_secret");
          const basic = req.headers.get("authorization");
          if (basic?.startsWith("Basic ")) {
            const [u, p] = Buffer.from(basic.slice(6), "base64").toString().split(":");
            id = decodeURIComponent(u ?? "");
            secret = decodeURIComponent(p ?? "");
          }
          if (id !== state.clientId || secret !== state.clientSecret) {
            return tokenError("invalid_client", "client authentication failed", 401);
          }
          if (form.get("grant_type") !== "authorization_code")
            return tokenError("unsupported_grant_type", "grant");
          const code = form.get("code") ?? "";
          const grant = codes.get(code);
          codes.delete(code);
          if (!grant) return tokenError("invalid_grant", "unknown or used code");
          if (grant.redirectUri !== form.get("redirect_uri"))
            return tokenError("invalid_grant", "redirect_uri differs");
          const verifier = form.get("code_verifier") ?? "";
          const digest = b64url(await crypto.subtle.digest("SHA-256", enc.encode(verifier)));
          if (digest !== grant.challenge) return tokenError("invalid_grant", "PKCE verifier does not match");
          const accessToken = random();
          tokens.set(accessToken, grant.user);
          const answer: Record<string, unknown> = {
            access_token: accessToken,
            token_type: "Bearer",
            expires_in: 3600,
          };
          if (grant.scope.split(" ").includes("openid")) {
            const now = Math.floor(Date.now() / 1000);
            const u = grant.user;
            answer.id_token = await signJwt(state.badSignature ? rogue.privateKey : keys.privateKey, kid, {
              iss: issuer,
              aud: grant.clientId,
              sub: u.sub,
              iat: now,
              exp: now + 300,
              ...(grant.nonce ? { nonce: grant.nonce } : {}),
              ...(u.email ? { email: u.email, email_verified: u.email_verified } : {}),
              ...(u.name ? { name: u.name } : {}),
            });
          }
          return json(answer);
        }
        case "/userinfo": {
          const u = bearer(req);
          if (!u) return json({ error: "invalid_token" }, 401);
          return json({
            sub: u.sub,
            ...(u.email ? { email: u.email, email_verified: u.email_verified } : {}),
            ...(u.name ? { name: u.name } : {}),
          });
        }
        case "/user": {
          const u = bearer(req);
          if (!u) return json({ message: "Bad credentials" }, 401);
          if (!req.headers.get("user-agent")) return json({ message: "User-Agent required" }, 403);
          return json({
            id: Number(u.sub.replace(/\D/g, "")) || 1,
            login: u.name ?? u.sub,
            name: u.name ?? null,
            email: u.privateEmail ? null : u.email,
            avatar_url: "https://avatars.example/u.png",
          });
        }
        case "/user/emails": {
          const u = bearer(req);
          if (!u) return json({ message: "Bad credentials" }, 401);
          return json([
            { email: `noreply-${u.sub}@users.noreply.example`, primary: false, verified: true },
            ...(u.email ? [{ email: u.email, primary: true, verified: u.email_verified }] : []),
            { email: `old-${u.sub}@example.com`, primary: false, verified: false },
          ]);
        }
        case "/users/@me": {
          const u = bearer(req);
          if (!u) return json({ message: "401: Unauthorized" }, 401);
          return json({
            id: u.sub,
            username: u.name ?? u.sub,
            global_name: u.name ?? null,
            email: u.email,
            verified: u.email_verified,
            avatar: null,
          });
        }
        default:
          return new Response("not found", { status: 404 });
      }
    },
  });
  state.issuer = `http://127.0.0.1:${server.port}`;
  state.stop = () => server.stop(true);
  return state;
}
