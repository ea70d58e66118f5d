import type { Logger } from "../../core/index.ts";
import { type Config, type Store, trySingleNodeLock } from "../../db/index.ts";
import { type AcmeOptions, ChallengeTokens, issueCertificate, loadCert, type StoredCert } from "./acme.ts";
import { certNames, covers, MAX_NAMES } from "./names.ts";

const DAY = 24 * 60 * 60 * 1000;

export interface ManagerOptions {
  acme: AcmeOptions;
  /** Renew when less than this remains (default 30 days). */
  renewBeforeMs?: number;
  /** How often expiry is checked (default 12 h). */
  checkEveryMs?: number;
  /** Alias changes within this window make one request (default 2 s). */
  debounceMs?: number;
  /** First retry after a failed request (default 5 min, doubling up to 6 h). */
  retryMs?: number;
}

/**
 * Keeps one certificate (all names as SANs, stored in `certificates` under the
 * domain) covering `D`, `admin.D` and every app/redirect alias: loaded at
 * start, requested when a name is missing or less than 30 days remain (checked
 * at start and every 12 h), and again, debounced, after an alias appears.
 * Requests run one at a time; `onCert` hands a new certificate to the listener.
 *
 * Several nodes on one PostgreSQL database share the certificate through
 * the database: each check first adopts a stored certificate that will do,
 * and only the node holding the `acme` lock (`trySingleNodeLock`) orders one;
 * the others look again shortly after (and on every `check()`).
 */
export class HttpsManager {
  readonly tokens: ChallengeTokens;
  cert: StoredCert | null = null;
  private queue: Promise<void> = Promise.resolve();
  private debounce: Timer | undefined;
  private retry: Timer | undefined;
  private interval: Timer | undefined;
  private failures = 0;
  private stopped = false;
  private readonly renewBeforeMs: number;

  constructor(
    private readonly store: Store,
    private readonly config: () => Config,
    private readonly log: Logger,
    private readonly opts: ManagerOptions,
    private readonly onCert: (cert: StoredCert) => void | Promise<void>,
  ) {
    this.renewBeforeMs = opts.renewBeforeMs ?? 30 * DAY;
    this.tokens = new ChallengeTokens(store);
  }

  /** The names a certificate should cover now (at most 100: `D` and `admin.D` first). */
  wantedNames(): string[] {
    const names = certNames(this.store, this.config().domain);
    if (names.length > MAX_NAMES) {
      this.log.warn("too many names for one certificate; some aliases are not covered", {
        names: names.length,
        max: MAX_NAMES,
      });
    }
    return names.slice(0, MAX_NAMES);
  }

  /** Why a new certificate is needed, or null when the current one will do. */
  reason(names = this.wantedNames()): string | null {
    if (names.length === 0) return null;
    const c = this.cert;
    if (!c) return "no certificate";
    if (!covers(c.names, names)) return "new names";
    if (c.expiresAt - Date.now() < this.renewBeforeMs) return "expires soon";
    return null;
  }

  /** Loads the stored certificate, then checks it; resolves after the first check. */
  async start(): Promise<void> {
    const domain = this.config().domain;
    this.cert = loadCert(this.store, domain);
    if (this.wantedNames().length === 0) {
      this.log.warn("https: no certificate for this domain (localhost or an IP address)", { domain });
    }
    if (this.cert) await this.onCert(this.cert);
    this.interval = setInterval(() => void this.check(), this.opts.checkEveryMs ?? 12 * 60 * 60 * 1000);
    this.interval.unref?.();
    await this.check();
  }

  /** An alias was created or changed: request a certificate covering it (debounced). */
  namesChanged(): void {
    if (this.stopped) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.check();
    }, this.opts.debounceMs ?? 2000);
  }

  /** Checks (and requests if needed), after any request already running. */
  check(): Promise<void> {
    const run = this.queue.then(() => this.checkNow());
    this.queue = run.catch(() => {});
    return this.queue;
  }

  /** Resolves when no request is running or scheduled by `namesChanged` (tests). */
  async idle(): Promise<void> {
    for (;;) {
      while (this.debounce !== undefined && !this.stopped) await Bun.sleep(20);
      const q = this.queue;
      await q;
      if (q === this.queue && this.debounce === undefined) return;
    }
  }

  /** Takes the stored certificate when it is newer than the one in use (another node ordered it). */
  private async adoptStored(): Promise<void> {
    const stored = loadCert(this.store, this.config().domain);
    if (!stored || (this.cert && stored.issuedAt <= this.cert.issuedAt)) return;
    this.cert = stored;
    await this.onCert(stored);
  }

  private async checkNow(): Promise<void> {
    if (this.stopped) return;
    const names = this.wantedNames();
    await this.adoptStored();
    if (!this.reason(names)) return;
    const release = trySingleNodeLock(this.store.engine, "acme");
    if (!release) {
      // Another node is ordering: its certificate reaches us through the database.
      this.log.info("https: another node is requesting the certificate");
      this.later((this.opts.debounceMs ?? 2000) * 5);
      return;
    }
    try {
      await this.order(names);
    } finally {
      release();
    }
  }

  private later(wait: number): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.check(), wait);
    this.retry.unref?.();
  }

  private async order(names: string[]): Promise<void> {
    // It may have finished on another node between our look and the lock.
    await this.adoptStored();
    const why = this.reason(names);
    if (!why || this.stopped) return;
    try {
      const cert = await issueCertificate(
        this.store,
        { ...this.opts.acme, email: this.opts.acme.email ?? this.config().email },
        this.config().domain,
        names,
        this.tokens,
        this.log,
      );
      this.failures = 0;
      if (this.stopped) return;
      this.cert = cert;
      await this.onCert(cert);
    } catch (e) {
      this.failures++;
      const base = this.opts.retryMs ?? 5 * 60 * 1000;
      const wait = Math.min(base * 2 ** (this.failures - 1), 6 * 60 * 60 * 1000);
      this.log.error("https: certificate request failed", {
        reason: why,
        names,
        error: String(e),
        retryInMs: wait,
      });
      this.later(wait);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.debounce);
    this.debounce = undefined;
    clearTimeout(this.retry);
    clearInterval(this.interval);
  }
}
