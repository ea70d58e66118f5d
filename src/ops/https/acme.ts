import { Agent } from "node:https";
import * as acme from "acme-client";
import type { Logger } from "../../core/index.ts";
import type { EngineHolder } from "../../db/index.ts";

/** The row of `certificates` that holds the ACME account key (`key_pem`) and URL (`cert_pem`). */
export const ACCOUNT_ROW = "acme-account";

export interface AcmeOptions {
  /** The CA's directory (default: Let's Encrypt production). */
  directoryUrl: string;
  email: string | null;
  /** Extra CA certificate(s) to trust for the ACME API itself (tests: pebble's own certificate). */
  caPem?: string;
}

export interface StoredCert {
  /** The row name: the configured domain. */
  name: string;
  certPem: string;
  keyPem: string;
  /** The names the certificate covers. */
  names: string[];
  issuedAt: number;
  expiresAt: number;
}

/**
 * Rows of `certificates` named `acme-challenge/TOKEN` hold a token's key authorization while the CA
 * validates it: with several nodes the CA's request may reach any of them. A `/` is never in a domain.
 */
const CHALLENGE_ROW = "acme-challenge/";
/** ACME tokens are base64url (RFC 8555, section 8.3); anything else is not looked up. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
/** A challenge row left by a node that died mid-order is ignored after this, and deleted at the next order. */
const CHALLENGE_TTL_MS = 60 * 60 * 1000;

/**
 * HTTP-01 tokens being validated right now: token → key authorization. Kept
 * in memory and, given the database, in it too, so every node answers.
 */
export class ChallengeTokens {
  private readonly tokens = new Map<string, string>();
  constructor(private readonly store?: EngineHolder) {}
  set(token: string, keyAuthorization: string): void {
    this.tokens.set(token, keyAuthorization);
    if (!this.store) return;
    const now = Date.now();
    const db = this.store.engine;
    db.run("DELETE FROM certificates WHERE name LIKE 'acme-challenge/%' AND expires_at <= ?", [now]);
    db.run(
      `INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?, ?, '', ?, ?)
       ON CONFLICT (name) DO UPDATE SET cert_pem = excluded.cert_pem, issued_at = excluded.issued_at, expires_at = excluded.expires_at`,
      [CHALLENGE_ROW + token, keyAuthorization, now, now + CHALLENGE_TTL_MS],
    );
  }
  delete(token: string): void {
    this.tokens.delete(token);
    this.store?.engine.run("DELETE FROM certificates WHERE name = ?", [CHALLENGE_ROW + token]);
  }
  /** The key authorization for `/.well-known/acme-challenge/TOKEN`, or null for an unknown token. */
  answer(path: string): string | null {
    const prefix = "/.well-known/acme-challenge/";
    if (!path.startsWith(prefix)) return null;
    const token = path.slice(prefix.length);
    const here = this.tokens.get(token);
    if (here !== undefined || !this.store || !TOKEN.test(token)) return here ?? null;
    const row = this.store.engine.get<{ keyAuthorization: string }>(
      'SELECT cert_pem AS "keyAuthorization" FROM certificates WHERE name = ? AND expires_at > ?',
      [CHALLENGE_ROW + token, Date.now()],
    );
    return row?.keyAuthorization ?? null;
  }
}

export function loadCert(store: EngineHolder, name: string): StoredCert | null {
  const row = store.engine.get<{ certPem: string; keyPem: string; issuedAt: number; expiresAt: number }>(
    'SELECT cert_pem AS "certPem", key_pem AS "keyPem", issued_at AS "issuedAt", expires_at AS "expiresAt" FROM certificates WHERE name = ?',
    [name],
  );
  if (!row || row.certPem === "") return null;
  try {
    return { name, ...row, names: certInfo(row.certPem).names };
  } catch {
    return null;
  }
}

export function saveCert(store: EngineHolder, c: Omit<StoredCert, "names">): void {
  store.engine.run(
    `INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET cert_pem = excluded.cert_pem, key_pem = excluded.key_pem,
       issued_at = excluded.issued_at, expires_at = excluded.expires_at`,
    [c.name, c.certPem, c.keyPem, c.issuedAt, c.expiresAt],
  );
}

export function certInfo(certPem: string): { names: string[]; notAfter: number; notBefore: number } {
  const info = acme.crypto.readCertificateInfo(certPem);
  const names = [...new Set([info.domains.commonName, ...info.domains.altNames].filter(Boolean))];
  return { names, notAfter: info.notAfter.getTime(), notBefore: info.notBefore.getTime() };
}

function storedAccount(store: EngineHolder): { key: string; url: string | undefined } | null {
  const row = store.engine.get<{ keyPem: string; certPem: string }>(
    'SELECT key_pem AS "keyPem", cert_pem AS "certPem" FROM certificates WHERE name = ?',
    [ACCOUNT_ROW],
  );
  return row ? { key: row.keyPem, url: row.certPem || undefined } : null;
}

/**
 * The account key, created (ECDSA P-256) and stored on first use. Two nodes
 * creating it at once keep the first one stored (DO NOTHING, then re-read).
 */
export async function accountKey(store: EngineHolder): Promise<{ key: string; url: string | undefined }> {
  const found = storedAccount(store);
  if (found) return found;
  const key = (await acme.crypto.createPrivateEcdsaKey()).toString();
  store.engine.run(
    "INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?, '', ?, ?, 0) ON CONFLICT (name) DO NOTHING",
    [ACCOUNT_ROW, key, Date.now()],
  );
  return storedAccount(store) ?? { key, url: undefined };
}

let trustedCa: string | undefined;
/** acme-client talks through one shared axios instance: give it the extra CA once. */
function trust(caPem: string | undefined): void {
  if (!caPem || caPem === trustedCa) return;
  trustedCa = caPem;
  acme.axios.defaults.httpsAgent = new Agent({ ca: caPem });
}

/**
 * Obtains one certificate covering `names` (the first is the common name) by
 * HTTP-01: the tokens are published in `tokens` for the port-80 listener to
 * answer. Stores the account key and the certificate in the database.
 */
export async function issueCertificate(
  store: EngineHolder,
  opts: AcmeOptions,
  rowName: string,
  names: string[],
  tokens: ChallengeTokens,
  log: Logger,
): Promise<StoredCert> {
  trust(opts.caPem);
  const account = await accountKey(store);
  const client = new acme.Client({
    directoryUrl: opts.directoryUrl,
    accountKey: account.key,
    accountUrl: account.url,
    backoffAttempts: 10,
    backoffMin: 500,
    backoffMax: 5000,
  });
  const certKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
  const [, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names }, certKey);
  log.info("requesting certificate", { names, directory: opts.directoryUrl });
  const certPem = await client.auto({
    csr,
    email: opts.email ?? undefined,
    termsOfServiceAgreed: true,
    challengePriority: ["http-01"],
    // The CA checks the token itself; a self-check from here fails behind NAT without hairpinning.
    skipChallengeVerification: true,
    challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
      tokens.set(challenge.token, keyAuthorization);
    },
    challengeRemoveFn: async (_authz, challenge) => {
      tokens.delete(challenge.token);
    },
  });
  if (!account.url) {
    store.engine.run("UPDATE certificates SET cert_pem = ? WHERE name = ?", [
      client.getAccountUrl(),
      ACCOUNT_ROW,
    ]);
  }
  const info = certInfo(certPem);
  const cert: StoredCert = {
    name: rowName,
    certPem,
    keyPem: certKey,
    names: info.names,
    issuedAt: Date.now(),
    expiresAt: info.notAfter,
  };
  saveCert(store, cert);
  log.info("certificate issued", { names: info.names, expiresAt: new Date(info.notAfter).toISOString() });
  return cert;
}
