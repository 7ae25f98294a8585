import type { CredentialStore } from '@earendil-works/pi-ai' with { 'resolution-mode': 'import' };
import { vaultCredentialStore } from './credential-store';
import { keyOf, type Credential, type OAuthCredential } from './credentials';
import { Fault, isFault } from './faults';
import type { HttpOptions } from './http';
import type { Logger } from './log';
import { FIVE_MINUTES, type OAuthProvider } from './oauth/provider';
import { IssuedRefresh } from './oauth/tokens';
import { requireProvider } from './providers/directory';
import type { LockedRun, LockedStep, RefreshedElsewhere } from './refresh-lock';
import type { InUseAccounts } from './rotation/rotation';
import { withRetry, type RetryOptions } from './retry';
import type { SecretRef } from './secret-ref';
import type { AccountInfo, Vault } from './vault';
import { accountTitle } from './words';

export interface ResolverDeps {
  readonly vault: Vault;
  readonly oauth: (provider: string) => OAuthProvider | undefined;
  /** The lock a refresh runs under (pi's auth.json lock for the account pi uses). */
  readonly locked: LockedRun;
  readonly log: Logger;
  readonly http?: () => HttpOptions | undefined;
  readonly retry?: RetryOptions;
  readonly now?: () => number;
  /** Whose key `key(provider)` hands out when no account is named: the active one. */
  readonly inUse: InUseAccounts;
  /** Reads keys kept in a password manager, at the last moment (src/core/secret-cache.ts). */
  readonly refs?: { resolve(ref: SecretRef): Promise<string> };
}

/** Refresh when less than this is left: a key handed out must outlive the request it is for. */
export const REFRESH_MARGIN = FIVE_MINUTES;

/**
 * The one place that hands out usable keys. OAuth tokens close to expiry are refreshed first,
 * one refresh per account at a time however many callers wait, under a lock shared with pi and
 * other windows, adopting tokens pi already refreshed instead of spending a refresh token twice.
 */
export class KeyResolver {
  private readonly inflight = new Map<string, Promise<OAuthCredential>>();
  private readonly now: () => number;
  private readonly inUse: InUseAccounts;
  // The last key handed out per provider, settled. The vault builds new info objects whenever
  // the stored accounts change, so the same info object means the same credential and status:
  // a fresh key is then handed out without a lookup or an allocation, until `freshUntil` (epoch
  // ms; an API key never goes stale).
  private readonly hot = new Map<
    string,
    { readonly info: AccountInfo; readonly freshUntil: number; readonly key: Promise<string> }
  >();

  constructor(private readonly deps: ResolverDeps) {
    this.now = deps.now ?? Date.now;
    this.inUse = deps.inUse;
  }

  /** The key to send for the account (the provider's active one when `account` is omitted). */
  key(provider: string, account?: string): Promise<string> {
    const info = account === undefined ? this.inUse.inUse(provider) : this.deps.vault.account(provider, account);
    const hot = this.hot.get(provider);
    if (hot && hot.info === info && this.now() < hot.freshUntil) return hot.key;
    const cred = info && !info.needsSignIn ? this.deps.vault.credential(provider, info.name) : undefined;
    // Read from the password manager each time it is asked for (its cache bounds how often).
    if (cred?.type === 'ref') return this.refKey(cred.ref);
    if (info && cred && this.isFresh(cred)) {
      const key = new Promise<string>((resolve) => resolve(this.keyOf(provider, cred)));
      this.hot.set(provider, {
        info,
        freshUntil: cred.type === 'oauth' ? cred.expires - REFRESH_MARGIN : Infinity,
        key,
      });
      return key;
    }
    return this.credential(provider, account).then((c) =>
      c.type === 'ref' ? this.refKey(c.ref) : this.keyOf(provider, c),
    );
  }

  /** The key a reference points to; a Fault('secret-ref') in words when it cannot be read. */
  refKey(ref: SecretRef): Promise<string> {
    if (!this.deps.refs)
      return Promise.reject(
        new Fault('secret-ref', 'Keys kept in a password manager cannot be read here.', undefined, {
          tool: ref.tool,
          reason: 'failed',
        }),
      );
    return this.deps.refs.resolve(ref);
  }

  /**
   * The vault as pi-ai's CredentialStore presenting `account` of `provider` (one model request's):
   * pi-ai's Models refreshes inside its `modify`, under the same lock as `key()`.
   */
  credentialStore(provider: string, account: string): CredentialStore {
    return vaultCredentialStore({
      vault: this.deps.vault,
      inUse: this.inUse,
      locked: this.deps.locked,
      oauth: this.deps.oauth,
      account: (p) => (p === provider ? account : undefined),
      // A key in a password manager is read at the last moment, for this request.
      readRef: (c) => this.refKey(c.ref),
    });
  }

  private keyOf(provider: string, cred: Credential): string {
    const impl = cred.type === 'oauth' ? this.deps.oauth(provider) : undefined;
    return impl && cred.type === 'oauth' ? impl.apiKey(cred) : keyOf(cred);
  }

  /** The account's credential, refreshed first when its token is about to expire. */
  async credential(provider: string, account?: string): Promise<Credential> {
    const name = account ?? this.inUse.inUse(provider)?.name;
    const info = name === undefined ? undefined : this.deps.vault.account(provider, name);
    const cred = info && this.deps.vault.credential(provider, info.name);
    if (!info || !cred)
      throw new Fault(
        'not-found',
        `${requireProvider(provider).label} has no account${account ? ` named "${account}"` : ''}.`,
        'Run "Pi Accounts: Sign In…".',
      );
    if (info.needsSignIn) throw needsSignIn(provider, info.name);
    return this.isFresh(cred) ? cred : this.refresh(provider, info.name);
  }

  isFresh(cred: Credential): boolean {
    return cred.type !== 'oauth' || cred.expires - this.now() > REFRESH_MARGIN;
  }

  /**
   * Single-flight: every caller during one refresh gets that refresh's result. `refused` is an
   * access token the provider answered 401 to: refreshed even if it looks fresh, unless the
   * stored one already differs (someone refreshed meanwhile).
   */
  refresh(provider: string, account: string, refused?: string): Promise<OAuthCredential> {
    const id = `${provider}/${account}`;
    let run = this.inflight.get(id);
    if (!run) {
      run = this.refreshNow(provider, account, refused).finally(() => this.inflight.delete(id));
      this.inflight.set(id, run);
    }
    return run;
  }

  /**
   * One refresh request per hold of the lock, as pi's own refresh does (pi-coding-agent 0.73.1,
   * AuthStorage.refreshOAuthTokenWithLock): a failed attempt releases the lock, so a pi starting
   * meanwhile reads its credentials and its /login is saved; the retry waits outside the lock and
   * re-checks under it, where another window or pi may have finished the job meanwhile.
   */
  private refreshNow(provider: string, account: string, refused?: string): Promise<OAuthCredential> {
    const impl = this.deps.oauth(provider);
    if (!impl)
      return Promise.reject(new Fault('oauth', `Pi Accounts cannot refresh ${provider} sign-ins.`, 'Sign in again.'));
    const attempt = async () => {
      const outcome = await this.deps.locked(provider, account, (elsewhere) =>
        this.attempt(impl, provider, account, elsewhere, refused),
      );
      if (outcome instanceof Fault) throw outcome;
      return outcome;
    };
    return withRetry(attempt, this.deps.retry);
  }

  /** Under the lock: re-read, adopt what pi refreshed, else send one refresh request. */
  private async attempt(
    impl: OAuthProvider,
    provider: string,
    account: string,
    elsewhere: RefreshedElsewhere,
    refused?: string,
  ): Promise<LockedStep<OAuthCredential | Fault>> {
    const id = `${provider}/${account}`;
    // Re-read under the lock: another window, or pi, may have refreshed while we waited.
    const current = await this.deps.vault.freshCredential(provider, account);
    if (!current || current.type !== 'oauth')
      throw new Fault(
        'not-found',
        `The account ${accountTitle(provider, account)} is gone.`,
        'Open the Accounts view to see which accounts exist.',
      );
    // A token the provider refused is refreshed even if it looks fresh, unless it changed meanwhile.
    if (this.isFresh(current) && current.access !== refused) return { result: current };
    const adopted = elsewhere(current, impl);
    if (adopted) {
      await this.deps.vault.updateCredential(provider, account, adopted);
      this.deps.log.info(`${id}: pi already refreshed this sign-in in auth.json; using its tokens.`);
      if (this.isFresh(adopted)) return { result: adopted, adopted: true };
    }
    const sent = adopted ?? current;
    try {
      await this.deps.vault.updateCredential(provider, account, await impl.refresh(sent, this.deps.http?.()));
    } catch (e) {
      if (e instanceof IssuedRefresh) {
        // The answer is refused, but the server issued a refresh token and the one we sent may be
        // spent: keep the new one (in auth.json too, for pi), then report.
        const kept = { ...sent, refresh: e.refresh };
        await this.deps.vault.updateCredential(provider, account, kept);
        this.deps.log.warn(`${id}: the refresh answer was refused (${e.message}); its new refresh token is kept.`);
        return { result: e, write: kept, adopted: adopted !== undefined };
      }
      if (!isFault(e, 'needs-sign-in')) throw e;
      // Another machine sharing these secrets may have refreshed while our request was out: then
      // the refused token is just old, and the account is fine.
      const now = await this.deps.vault.freshCredential(provider, account);
      if (now?.type === 'oauth' && now.refresh !== sent.refresh) {
        this.deps.log.info(
          `${id}: the provider refused an old refresh token; another window already stored newer tokens.`,
        );
        if (this.isFresh(now)) return { result: now, write: now };
        // Retried (outside the lock) with the newer tokens.
        throw new Fault(
          'changed-meanwhile',
          `${id}: the sign-in changed while it was being refreshed.`,
          'Try again in a moment.',
        );
      }
      await this.deps.vault.markNeedsSignIn(provider, account); // kept: only the person can fix it
      this.deps.log.warn(`${id}: the provider refused the refresh token; the account needs a new sign-in.`);
      throw needsSignIn(provider, account);
    }
    // Stored before anyone sees the access token: a rotated refresh token must never be lost. What
    // auth.json gets is what the vault stored (its expiry made finite).
    const next = this.deps.vault.credential(provider, account) as OAuthCredential;
    this.deps.log.info(`${id}: token refreshed; valid until ${new Date(next.expires).toISOString()}.`);
    return { result: next, write: next, adopted: adopted !== undefined };
  }
}

export function needsSignIn(provider: string, account: string): Fault {
  return new Fault(
    'needs-sign-in',
    `${requireProvider(provider).label} / ${account}: the sign-in has expired or was revoked.`,
    'Sign in to this account again; it is kept until you do.',
    { provider, account },
  );
}
