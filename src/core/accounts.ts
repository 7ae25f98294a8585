// The accounts' life in one object. It builds the vault, the rotation, the feedback port, the key
// resolver and the usage service in one fixed order, closes the rotation <-> usage loop itself,
// and tells whoever listens through ONE event what changed. The composition root (extension.ts)
// only builds adapters around it and routes that event to the outlets (./routing.ts).
import { Emitter, type Disposable } from './events';
import { messageOf } from './faults';
import type { HttpOptions } from './http';
import type { Logger } from './log';
import type { OAuthProvider } from './oauth/provider';
import { feedbackInto, type Feedback } from './outlet';
import { UsageService } from './usage-service/usage-service';
import type { UsageCachePort } from './usage-service/scheduler';
import type { LockedRun } from './refresh-lock';
import { KeyResolver } from './resolver';
import type { SecretRef } from './secret-ref';
import { Rotation, type InUseChange, type RotationSettings } from './rotation/rotation';
import type { SecretStore } from './secret-store';
import type { UsageClient } from './usage/usage-client';
import type { BalanceClient } from './usage/balance';
import { Vault, type VaultChange } from './vault';

/** What changed, as one event: every outlet follows it (see ./routing.ts for who gets what). */
export type AccountsChange =
  /** Accounts were read, added, removed, refreshed, or changed in another window. */
  | { readonly kind: 'accounts'; readonly reason: VaultChange['reason'] }
  /** The account in use of a provider changed (by hand, by rotation, or in another window). */
  | { readonly kind: 'in-use'; readonly change: InUseChange }
  /** New usage figures for an account. */
  | { readonly kind: 'usage'; readonly provider: string; readonly account: string };

export interface AccountsDeps {
  readonly store: SecretStore;
  readonly log: Logger;
  readonly settings: RotationSettings;
  readonly oauth: (provider: string) => OAuthProvider | undefined;
  readonly http?: () => HttpOptions | undefined;
  readonly usage: {
    readonly client: (provider: string) => UsageClient | undefined;
    /** Balances of API keys, where the provider reports them. */
    readonly balance?: (provider: string) => BalanceClient | undefined;
    readonly cache?: UsageCachePort;
    /** How long figures a provider sent with an answer count as fresh (no poll meanwhile). */
    readonly quietMs: number;
  };
  /**
   * The lock a refresh runs under, given the vault and rotation it serves: pi's auth.json lock
   * for the account pi uses (built by the root, which owns pi's files), a private one otherwise.
   */
  readonly refreshLock: (core: { readonly vault: Vault; readonly rotation: Rotation }) => LockedRun;
  readonly now?: () => number;
  /** Reads keys kept in a password manager (src/core/secret-cache.ts). */
  readonly refs?: { resolve(ref: SecretRef): Promise<string> };
}

export class Accounts implements Disposable {
  readonly vault: Vault;
  readonly rotation: Rotation;
  /** Write-backs from the outlets (src/core/outlet.ts). */
  readonly feedback: Feedback;
  readonly resolver: KeyResolver;
  /** Usage figures of the accounts whose provider reports them. */
  readonly usage: UsageService;
  private readonly changed = new Emitter<AccountsChange>('the accounts change');
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: Disposable[];

  constructor(private readonly deps: AccountsDeps) {
    this.vault = new Vault(deps.store);
    // Rotation reads usage, and usage is fetched with the keys rotation picks: the lookup below
    // runs only when rotation decides, by which time the usage service exists.
    this.rotation = new Rotation({
      vault: this.vault,
      settings: deps.settings,
      store: deps.store,
      log: deps.log,
      usage: (p, a) => this.usage.entry(p, a),
      now: deps.now,
    });
    this.feedback = feedbackInto({
      vault: this.vault,
      rotation: this.rotation,
      usageSeen: (p, a, s) => this.usage.observe(p, a, s, deps.usage.quietMs),
    });
    this.resolver = new KeyResolver({
      vault: this.vault,
      oauth: deps.oauth,
      log: deps.log,
      http: deps.http,
      inUse: this.rotation,
      locked: deps.refreshLock({ vault: this.vault, rotation: this.rotation }),
      now: deps.now,
      refs: deps.refs,
    });
    this.usage = new UsageService({
      vault: this.vault,
      resolver: this.resolver,
      client: deps.usage.client,
      balance: deps.usage.balance,
      balanceSeen: (p, a, exhausted) => this.rotation.balanceRead(p, a, exhausted),
      http: deps.http,
      cache: deps.usage.cache,
      feedback: this.feedback,
      now: deps.now,
    });
    this.subscriptions = [
      this.vault.onDidChange((c) => {
        // Told first, so the root's redactor knows a new secret before anything else runs.
        this.changed.fire({ kind: 'accounts', reason: c.reason });
        this.rotation.evaluate();
      }),
      this.rotation.onDidChange((change) => this.changed.fire({ kind: 'in-use', change })),
      this.usage.onDidChange((t) => {
        this.rotation.evaluate(t.provider);
        this.changed.fire({ kind: 'usage', provider: t.provider, account: t.account });
      }),
    ];
  }

  /**
   * Reads the shared accounts in use first (deciding before reading them would overwrite them),
   * then the accounts. Resolves true once the accounts are read; rejects when they cannot be.
   */
  async load(): Promise<void> {
    await this.rotation
      .load()
      .catch((e: unknown) => this.deps.log.warn(`Could not read the accounts in use: ${messageOf(e)}`));
    await this.vault.load();
  }

  /** Follows what other windows write to secret storage. */
  watch(): Disposable {
    const failed = (what: string) => (e: unknown) =>
      this.deps.log.warn(`Could not re-read ${what} another window saved: ${messageOf(e)}`);
    const watches = [this.vault.watch(failed('the accounts')), this.rotation.watch(failed('the accounts in use'))];
    return { dispose: () => watches.forEach((w) => w.dispose()) };
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
    this.usage.dispose();
    this.rotation.dispose();
    this.vault.dispose();
  }
}
