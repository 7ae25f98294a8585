import { describe, isFault } from '../faults';
import type { HttpOptions } from '../http';
import type { Feedback } from '../outlet';
import { DEFAULT_REST_MS } from '../rotation/rest';
import { findProvider } from '../providers/directory';
import type { KeyResolver } from '../resolver';
import type { Vault } from '../vault';
import { UsageScheduler, type UsageCachePort, type UsageEntry, type UsageTarget } from './scheduler';
import { UsageError, type UsageClient, type UsageSnapshot } from '../usage/usage-client';
import type { BalanceClient } from '../usage/balance';

/** The usage client of a provider, if it has one; `url` points it at a test server. */
export function usageClient(provider: string, url?: string): UsageClient | undefined {
  return findProvider(provider)?.usage?.(url);
}

/** The balance client of a provider whose API keys have one; `base` points it at a test server. */
export function balanceClient(provider: string, base?: string): BalanceClient | undefined {
  return findProvider(provider)?.balance?.(base);
}

export interface UsageServiceDeps {
  readonly vault: Vault;
  readonly resolver: KeyResolver;
  readonly client: (provider: string) => UsageClient | undefined;
  /** Balances of API keys, where the provider reports them. */
  readonly balance?: (provider: string) => BalanceClient | undefined;
  /** A balance was read: used up (true) or not; rotation disables or frees the account. */
  readonly balanceSeen?: (provider: string, account: string, exhausted: boolean) => void;
  readonly http?: () => HttpOptions | undefined;
  readonly cache?: UsageCachePort;
  /** A 429 from a usage endpoint puts that account in cooldown. */
  readonly feedback: Pick<Feedback, 'rateLimited'>;
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** Usage of every browser-signed-in account whose provider reports it, and balances of API keys. */
export class UsageService {
  readonly scheduler: UsageScheduler;
  readonly onDidChange;

  constructor(private readonly deps: UsageServiceDeps) {
    this.scheduler = new UsageScheduler({
      fetch: (t) => this.fetch(t),
      cache: deps.cache,
      concurrency: deps.concurrency,
      now: deps.now,
    });
    this.onDidChange = this.scheduler.onDidChange;
  }

  /**
   * The accounts whose figures are read. An API key with a base URL of its own talks to another
   * server (a proxy, a gateway): its key is never sent to the provider's balance endpoint.
   */
  targets(provider?: string): UsageTarget[] {
    return this.deps.vault
      .accounts(provider)
      .filter(
        (a) =>
          !a.needsSignIn &&
          (a.kind === 'oauth'
            ? this.deps.client(a.provider)
            : a.kind === 'api_key' && !a.baseUrl && this.deps.balance?.(a.provider)),
      )
      .map((a) => ({ provider: a.provider, account: a.name }));
  }

  entry(provider: string, account: string): UsageEntry | undefined {
    return this.scheduler.entry({ provider, account });
  }

  /** Usage read off the headers of a pi request: shown at once, and polling waits `quietMs`. */
  observe(provider: string, account: string, snapshot: UsageSnapshot, quietMs: number): void {
    this.scheduler.observe({ provider, account }, snapshot, quietMs);
  }

  /** Refreshes what is due (everything with `force`), for one account, one provider or all. */
  async refresh(opts: { force?: boolean; provider?: string; account?: string } = {}): Promise<void> {
    const targets = this.targets(opts.provider).filter((t) => opts.account === undefined || t.account === opts.account);
    await this.scheduler.refresh(targets, { force: opts.force });
    if (!opts.provider) this.scheduler.forget(this.targets());
  }

  dispose(): void {
    this.scheduler.dispose();
  }

  private async fetch(t: UsageTarget): Promise<UsageSnapshot> {
    const kind = this.deps.vault.accounts(t.provider).find((a) => a.name === t.account)?.kind;
    const balance = kind === 'api_key' ? this.deps.balance?.(t.provider) : undefined;
    if (balance) return this.fetchBalance(t, balance);
    const client = this.deps.client(t.provider)!;
    let credential;
    try {
      credential = await this.deps.resolver.credential(t.provider, t.account);
    } catch (e) {
      throw new UsageError(isFault(e, 'needs-sign-in') ? 'unauthorized' : 'network', describe(e));
    }
    if (credential.type !== 'oauth') throw new UsageError('unauthorized', 'Usage needs a browser sign-in.');
    return this.rested(t, () => client.fetch(credential, this.deps.http?.()));
  }

  private async fetchBalance(t: UsageTarget, client: BalanceClient): Promise<UsageSnapshot> {
    let key;
    try {
      key = await this.deps.resolver.key(t.provider, t.account);
    } catch (e) {
      throw new UsageError(isFault(e, 'needs-sign-in') ? 'unauthorized' : 'network', describe(e));
    }
    const snapshot = await this.rested(t, () => client.fetch(key, this.deps.http?.()));
    if (snapshot.balance) this.deps.balanceSeen?.(t.provider, t.account, snapshot.balance.exhausted);
    return snapshot;
  }

  /** A 429 from a usage or balance endpoint rests the account like any other. */
  private async rested(t: UsageTarget, fetch: () => Promise<UsageSnapshot>): Promise<UsageSnapshot> {
    try {
      return await fetch();
    } catch (e) {
      if (e instanceof UsageError && e.problem === 'rate-limited')
        this.deps.feedback.rateLimited(
          t.provider,
          t.account,
          e.retryAt ?? (this.deps.now ?? Date.now)() + DEFAULT_REST_MS,
          'the usage endpoint answered 429',
        );
      throw e;
    }
  }
}
