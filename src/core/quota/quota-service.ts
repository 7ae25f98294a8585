import { describe, isFault } from '../faults';
import type { HttpOptions } from '../http';
import type { Feedback } from '../outlet';
import { DEFAULT_REST_MS } from '../rotation/rest';
import { findProvider } from '../providers/directory';
import type { KeyResolver } from '../resolver';
import type { Vault } from '../vault';
import { QuotaScheduler, type QuotaCachePort, type QuotaEntry, type QuotaTarget } from './scheduler';
import { UsageError, type UsageClient, type UsageSnapshot } from '../usage/usage-client';

/** The usage client of a provider, if it has one; `url` points it at a test server. */
export function usageClient(provider: string, url?: string): UsageClient | undefined {
  return findProvider(provider)?.usage?.(url);
}

export interface QuotaServiceDeps {
  readonly vault: Vault;
  readonly resolver: KeyResolver;
  readonly client: (provider: string) => UsageClient | undefined;
  readonly http?: () => HttpOptions | undefined;
  readonly cache?: QuotaCachePort;
  /** A 429 from a usage endpoint puts that account in cooldown. */
  readonly feedback: Pick<Feedback, 'rateLimited'>;
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** Usage of every browser-signed-in account whose provider reports it. */
export class QuotaService {
  readonly scheduler: QuotaScheduler;
  readonly onDidChange;

  constructor(private readonly d: QuotaServiceDeps) {
    this.scheduler = new QuotaScheduler({
      fetch: (t) => this.fetch(t),
      cache: d.cache,
      concurrency: d.concurrency,
      now: d.now,
    });
    this.onDidChange = this.scheduler.onDidChange;
  }

  targets(provider?: string): QuotaTarget[] {
    return this.d.vault
      .accounts(provider)
      .filter((a) => a.kind === 'oauth' && !a.needsSignIn && this.d.client(a.provider))
      .map((a) => ({ provider: a.provider, account: a.name }));
  }

  entry(provider: string, account: string): QuotaEntry | undefined {
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

  private async fetch(t: QuotaTarget): Promise<UsageSnapshot> {
    const client = this.d.client(t.provider)!;
    let credential;
    try {
      credential = await this.d.resolver.credential(t.provider, t.account);
    } catch (e) {
      throw new UsageError(isFault(e, 'needs-sign-in') ? 'unauthorized' : 'network', describe(e));
    }
    if (credential.type !== 'oauth') throw new UsageError('unauthorized', 'Usage needs a browser sign-in.');
    try {
      return await client.fetch(credential, this.d.http?.());
    } catch (e) {
      if (e instanceof UsageError && e.problem === 'rate-limited')
        this.d.feedback.rateLimited(
          t.provider,
          t.account,
          e.retryAt ?? (this.d.now ?? Date.now)() + DEFAULT_REST_MS,
          'the usage endpoint answered 429',
        );
      throw e;
    }
  }
}
