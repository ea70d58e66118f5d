import { Agent } from "node:https";
import * as acme from "acme-client";
import type { Logger } from "../../core/index.ts";
import type { Store } from "../../db/index.ts";

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

/** HTTP-01 tokens being validated right now: token → key authorization. */
export class ChallengeTokens {
  private readonly tokens = new Map<string, string>();
  set(token: string, keyAuthorization: string): void {
    this.tokens.set(token, keyAuthorization);
  }
  delete(token: string): void {
    this.tokens.delete(token);
  }
  /** The key authorization for `/.well-known/acme-challenge/TOKEN`, or null for an unknown token. */
  answer(path: string): string | null {
    const prefix = "/.well-known/acme-challenge/";
    if (!path.startsWith(prefix)) return null;
    return this.tokens.get(path.slice(prefix.length)) ?? null;
  }
}

export function loadCert(store: Store, name: string): StoredCert | null {
  const row = store.sqlite
    .query<{ certPem: string; keyPem: string; issuedAt: number; expiresAt: number }, [string]>(
      "SELECT cert_pem AS certPem, key_pem AS keyPem, issued_at AS issuedAt, expires_at AS expiresAt FROM certificates WHERE name = ?",
    )
    .get(name);
  if (!row || row.certPem === "") return null;
  try {
    return { name, ...row, names: certInfo(row.certPem).names };
  } catch {
    return null;
  }
}

function saveCert(store: Store, c: StoredCert): void {
  store.sqlite
    .query(
      `INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
       ON CONFLICT (name) DO UPDATE SET cert_pem = ?2, key_pem = ?3, issued_at = ?4, expires_at = ?5`,
    )
    .run(c.name, c.certPem, c.keyPem, c.issuedAt, c.expiresAt);
}

export function certInfo(certPem: string): { names: string[]; notAfter: number; notBefore: number } {
  const info = acme.crypto.readCertificateInfo(certPem);
  const names = [...new Set([info.domains.commonName, ...info.domains.altNames].filter(Boolean))];
  return { names, notAfter: info.notAfter.getTime(), notBefore: info.notBefore.getTime() };
}

/** The account key, created (ECDSA P-256) and stored on first use. */
async function accountKey(store: Store): Promise<{ key: string; url: string | undefined }> {
  const row = store.sqlite
    .query<{ keyPem: string; certPem: string }, [string]>(
      "SELECT key_pem AS keyPem, cert_pem AS certPem FROM certificates WHERE name = ?",
    )
    .get(ACCOUNT_ROW);
  if (row) return { key: row.keyPem, url: row.certPem || undefined };
  const key = (await acme.crypto.createPrivateEcdsaKey()).toString();
  store.sqlite
    .query(
      "INSERT INTO certificates (name, cert_pem, key_pem, issued_at, expires_at) VALUES (?, '', ?, ?, 0)",
    )
    .run(ACCOUNT_ROW, key, Date.now());
  return { key, url: undefined };
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
  store: Store,
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
    store.sqlite
      .query("UPDATE certificates SET cert_pem = ? WHERE name = ?")
      .run(client.getAccountUrl(), ACCOUNT_ROW);
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
