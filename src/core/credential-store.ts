import type { Credential as PiCredential, CredentialInfo, CredentialStore } from '@earendil-works/pi-ai' with {
  'resolution-mode': 'import',
};
import { withKey, type Credential, type OAuthCredential, type RefCredential } from './credentials';
import { Fault, isFault } from './faults';
import type { OAuthProvider } from './oauth/provider';
import { IssuedRefresh } from './oauth/tokens';
import { piFault } from './pi-auth/errors';
import { requireProvider } from './providers/directory';
import type { LockedRun, LockedStep } from './refresh-lock';
import type { InUseAccounts } from './rotation/rotation';
import type { Vault } from './vault';
import { issuedCredential } from './pi-auth/issued';

/**
 * Our credential as pi-ai 1.x stores it: values-only accounts are an api_key credential with `env`
 * and no key; a key in a password manager must be read first (`withKey`).
 */
export function toPiCredential(c: Exclude<Credential, RefCredential>): PiCredential {
  if (c.type === 'env') return { type: 'api_key', env: { ...c.vars } };
  if (c.type === 'api_key') return { type: 'api_key', key: c.key, ...(c.env ? { env: { ...c.env } } : {}) };
  return { ...c };
}

function fromPiCredential(c: PiCredential, previous: Credential | undefined): Credential {
  if (c.type === 'oauth')
    return issuedCredential(c, previous?.type === 'oauth' ? previous : undefined, 'The sign-in pi-ai stored');
  if (c.key) return { type: 'api_key', key: c.key, ...(c.env ? { env: { ...c.env } } : {}) };
  return { type: 'env', vars: { ...c.env } };
}

/**
 * The vault as pi-ai's CredentialStore (@earendil-works/pi-ai 1.x dist/auth/types.d.ts): pi-ai
 * holds one credential per provider, the vault several accounts; pi-ai sees the account in use,
 * or the one `account` names for a request. `modify`, the only write path and where pi-ai's
 * Models.getAuth() refreshes OAuth tokens, runs under the same lock as our resolver's refresh
 * (pi's auth.json lock for the account pi uses, else a private one), re-reading the account
 * under it; what it writes passes our credential schema and reaches auth.json like any refresh.
 */
export function vaultCredentialStore(d: {
  readonly vault: Vault;
  readonly inUse: InUseAccounts;
  readonly locked: LockedRun;
  readonly oauth: (provider: string) => OAuthProvider | undefined;
  /** provider → account name, for a request that names its account. */
  readonly account?: (provider: string) => string | undefined;
  /** Reads a key kept in a password manager (src/core/secret-cache.ts), at the moment pi-ai asks. */
  readonly readRef?: (c: RefCredential) => Promise<string>;
}): CredentialStore {
  const usable = async (c: Credential): Promise<Exclude<Credential, RefCredential>> => {
    if (c.type !== 'ref') return c;
    if (!d.readRef) throw new Error('This account keeps its key in a password manager, which cannot be read here.');
    return withKey(c, await d.readRef(c));
  };
  // One modify per account at a time in this process, so concurrent requests queue here instead
  // of contending for the file lock; each re-reads under the lock and finds the refresh done.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(run, run);
    queues.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  };
  const nameOf = (provider: string) => d.account?.(provider) ?? d.inUse.inUse(provider)?.name;
  const current = (provider: string) => {
    const name = nameOf(provider);
    const info = name === undefined ? undefined : d.vault.account(provider, name);
    return info && !info.needsSignIn
      ? { name: info.name, credential: d.vault.credential(provider, info.name) }
      : undefined;
  };
  /**
   * pi-ai's refresh failed inside modify (pi-ai 1.6.1 dist/auth/resolve.js wraps it as
   * ModelsError "oauth"): a refused refresh token marks the account for a new sign-in, unless
   * another window stored newer tokens meanwhile; every failure leaves as a fault in our words.
   */
  const refused = async (provider: string, name: string, sent: OAuthCredential, e: unknown) => {
    const fault = piFault(causeOf(e), `Refreshing the ${requireProvider(provider).label} sign-in`);
    if (!isFault(fault, 'needs-sign-in')) return fault;
    const now = await d.vault.freshCredential(provider, name);
    if (now?.type === 'oauth' && now.refresh !== sent.refresh) return toPiCredential(now);
    await d.vault.markNeedsSignIn(provider, name); // kept: only the person can fix it
    return new Fault(
      'needs-sign-in',
      `${requireProvider(provider).label} / ${name}: the sign-in has expired or was revoked.`,
      'Sign in to this account again; it is kept until you do.',
      { provider, account: name },
    );
  };
  return {
    async read(provider) {
      const c = current(provider)?.credential;
      return c && toPiCredential(await usable(c));
    },
    async list() {
      const providers = [...new Set(d.vault.accounts().map((a) => a.provider))];
      const out: CredentialInfo[] = [];
      for (const providerId of providers) {
        const c = current(providerId)?.credential;
        if (c) out.push({ providerId, type: c.type === 'oauth' ? 'oauth' : 'api_key' });
      }
      return out;
    },
    async modify(provider, fn) {
      const name = nameOf(provider);
      if (name === undefined) {
        const next = await fn(undefined);
        if (next) throw new Error(`${provider} has no account to store a credential in; sign in from Pi Accounts.`);
        return undefined;
      }
      const outcome = await serial(`${provider}/${name}`, () =>
        d.locked(provider, name, async (elsewhere): Promise<LockedStep<PiCredential | Fault | undefined>> => {
          let stored = await d.vault.freshCredential(provider, name);
          // Under pi's lock: pi itself may have refreshed this account in auth.json meanwhile.
          const impl = d.oauth(provider);
          const adopted = stored?.type === 'oauth' && impl ? elsewhere(stored, impl) : undefined;
          if (adopted) {
            await d.vault.updateCredential(provider, name, adopted);
            stored = adopted;
          }
          const given = stored && toPiCredential(await usable(stored));
          let next: PiCredential | undefined;
          try {
            next = await fn(given);
          } catch (e) {
            if (stored?.type !== 'oauth' || !refreshFailed(e)) throw e;
            return { result: await refused(provider, name, stored, e), adopted: adopted !== undefined };
          }
          // A key in a password manager is the password manager's to change: never stored here.
          if (!next || stored?.type === 'ref') return { result: given, adopted: adopted !== undefined };
          let checked: Credential;
          try {
            checked = fromPiCredential(next, stored);
          } catch (e) {
            if (!(e instanceof IssuedRefresh) || stored?.type !== 'oauth') throw e;
            // Refused, but the server issued a refresh token and the one sent may be spent: keep
            // it (in auth.json too, for pi), then report, as the key resolver does.
            const kept: OAuthCredential = { ...stored, refresh: e.refresh };
            await d.vault.updateCredential(provider, name, kept);
            return { result: e, write: kept, adopted: adopted !== undefined };
          }
          await d.vault.updateCredential(provider, name, checked);
          const written = d.vault.credential(provider, name)!;
          return { result: toPiCredential(await usable(written)), write: written, adopted: adopted !== undefined };
        }),
      );
      if (outcome instanceof Fault) throw outcome;
      return outcome;
    },
    async delete(provider) {
      const name = nameOf(provider);
      if (name !== undefined && d.vault.account(provider, name)) await d.vault.remove(provider, name);
    },
  };
}

/** pi-ai's refresh failure, as its resolve.js reports it from inside modify. */
const refreshFailed = (e: unknown): boolean => e instanceof Error && (e as { code?: unknown }).code === 'oauth';

/** What pi-ai wrapped (ModelsError's `cause`). */
const causeOf = (e: unknown): unknown => (e instanceof Error && e.cause !== undefined ? e.cause : e);
