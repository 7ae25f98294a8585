import { apiKeyProblem, keyTail, oauthCredentialSchema, type Credential, type OAuthCredential } from '../credentials';
import { isFault } from '../faults';
import type { OAuthProvider } from '../oauth/provider';
import { findProvider } from '../providers/directory';
import type { LockedStep } from '../refresh-lock';
import type { InUseAccounts } from '../rotation/rotation';
import type { Vault } from '../vault';
import { deploymentMap } from '../providers/azure-openai';
import { asApiKeyEntry, readAuthFile, updateAuthFile } from './auth-file';
import { fingerprint, type MirrorState, type MirrorStateStore } from './mirror-state';
import { escapePiValue, readPiValue } from './pi-values';
import { piCommand } from '../secret-ref';

export interface SyncReport {
  readonly path: string;
  readonly written: boolean;
  readonly fixedMode: boolean;
  /** Providers whose auth.json entry belongs to someone else and was left as it is. */
  readonly conflicts: readonly string[];
  readonly removed: readonly string[];
  /** Fingerprints of the foreign entries behind `conflicts`, so a "keep pi's" can be remembered. */
  readonly foreign: Readonly<Record<string, string>>;
  /** Accounts whose tokens pi refreshed in auth.json; the vault now holds pi's tokens. */
  readonly adopted: readonly string[];
}

/**
 * pi refreshed our account in auth.json when the entry there is an OAuth credential of the same
 * account with a later expiry. Its tokens are then the live ones: ours may already be spent.
 */
export function refreshedByPi(
  ours: Credential,
  found: unknown,
  oauth: OAuthProvider | undefined,
): OAuthCredential | undefined {
  if (ours.type !== 'oauth' || !oauth) return undefined;
  const r = oauthCredentialSchema.safeParse(found);
  if (!r.success || r.data.expires <= ours.expires || !oauth.sameAccount(ours, r.data)) return undefined;
  return r.data;
}

export interface ImportCandidate {
  readonly provider: string;
  readonly keyTail: string;
  /** An API key, or an OAuth credential pi's /login wrote (for providers Pi Accounts can refresh). */
  readonly credential: Credential;
  /** Of the entry as found, extra fields included, so the mirror recognises it as managed. */
  readonly fingerprint: string;
}

export interface ImportScan {
  readonly candidates: readonly ImportCandidate[];
  /** Entries that are not literal keys (pi runs "!command" and reads env-var names): never imported. */
  readonly skipped: readonly { provider: string; why: string }[];
}

/**
 * An account as pi 1.x reads it from auth.json (@earendil-works/pi-coding-agent 1.6.0,
 * docs/providers.md "Provider Specific Config"): the key escaped (pi expands "$NAME" in keys
 * since 0.77.0), and the account's other values (region, project, resource, Cloudflare account
 * and gateway ids) in the credential's `env`, which pi prefers to its process environment for
 * that provider (since 0.79.5). A values-only account (a Bedrock profile, Vertex with ADC) is
 * an api_key credential with `env` and no key, as pi's own /login stores them. None for a
 * Bedrock access key pair: pi 1.x reads those from its environment only, and a stored entry
 * owns the provider, so it would hide them (@earendil-works/pi-ai 1.6.1
 * providers/amazon-bedrock.js resolve, auth/resolve.js); terminals get them.
 */
export function piEntry(credential: Credential): Credential | undefined {
  if (credential.type === 'oauth') return credential;
  // A key in a password manager: pi's own "!command" form, so pi reads it itself and no copy of
  // the key is written (@earendil-works/pi-coding-agent 1.6.0 docs/providers.md "Load an API key
  // from a command": run by the default shell when first needed, its output cached per process).
  if (credential.type === 'ref')
    return {
      type: 'api_key',
      key: `!${piCommand(credential.ref)}`,
      ...(credential.env && Object.keys(credential.env).length ? { env: { ...credential.env } } : {}),
    };
  if (credential.type === 'env' && credential.vars.AWS_ACCESS_KEY_ID) return undefined;
  const env = { ...(credential.type === 'api_key' ? credential.env : credential.vars) };
  // pi splits "model=deployment,…" (azure-openai-config.js); accounts saved before stored JSON.
  if (env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP)
    env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP =
      deploymentMap(env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP) ?? env.AZURE_OPENAI_DEPLOYMENT_NAME_MAP;
  const withEnv = Object.keys(env).length ? { env } : {};
  return credential.type === 'api_key'
    ? { type: 'api_key', key: escapePiValue(credential.key), ...withEnv }
    : ({ type: 'api_key', ...withEnv } as Credential);
}

/**
 * Keeps pi's auth.json in step with the vault: the active account of each provider is written
 * there; entries someone else wrote or changed are never touched.
 */
export class AuthMirror {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly vault: Vault,
    private readonly state: MirrorStateStore,
    private readonly path: () => string,
    private readonly oauth: (provider: string) => OAuthProvider | undefined,
    private readonly accounts: InUseAccounts,
  ) {}

  /** The entry each provider should have: its active account's credential, in pi's format. */
  desired(): Record<string, { account: string; credential: Credential }> {
    const out: Record<string, { account: string; credential: Credential }> = {};
    for (const provider of this.vault.providers()) {
      const def = this.accounts.inUse(provider);
      const credential = def && this.vault.credential(provider, def.name);
      const entry = credential && piEntry(credential);
      if (entry) out[provider] = { account: def.name, credential: entry };
    }
    return out;
  }

  /** `takeOver`: providers whose foreign entry the person chose to replace. */
  sync(takeOver: readonly string[] = []): Promise<SyncReport> {
    return this.enqueue(() => this.syncNow(takeOver));
  }

  /**
   * Runs `step` holding pi's lock on auth.json, with the entry pi may have refreshed for this
   * account (undefined unless the entry is one we wrote for it and it has changed since). The
   * credential `step` returns is written when the entry is ours or absent.
   */
  underLock<T>(provider: string, account: string, step: (piVersion: unknown) => Promise<LockedStep<T>>): Promise<T> {
    return this.enqueue(async () => {
      const path = this.path();
      const state = await this.state.read();
      const { owned, accounts } = filePart(state, path);
      let done: { result: T } | undefined;
      try {
        await updateAuthFile(path, async (data) => {
          const cur = data[provider];
          const curFp = cur === undefined ? undefined : fingerprint(cur);
          const ourEntryChanged =
            cur !== undefined &&
            accounts[provider] === account &&
            owned[provider] !== undefined &&
            curFp !== owned[provider];
          const r = await step(ourEntryChanged ? cur : undefined);
          done = { result: r.result };
          if (r.adopted && curFp) owned[provider] = curFp;
          if (!r.write || (cur !== undefined && curFp !== owned[provider])) return false;
          data[provider] = r.write;
          owned[provider] = fingerprint(r.write);
          accounts[provider] = account;
          return true;
        });
      } catch (e) {
        // The step's tokens are already in the vault: a disk that refuses auth.json must not
        // keep the key from its caller. The next sync tries the file again and reports it.
        if (!done || !isFault(e) || e.code !== 'mirror-io') throw e;
        return done.result;
      }
      await this.state.write(withFilePart(state, path, owned, accounts));
      return done!.result;
    });
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(takeOver: readonly string[]): Promise<SyncReport> {
    const path = this.path();
    const state = await this.state.read();
    const { owned, accounts } = filePart(state, path);
    const want = this.desired();
    const conflicts: string[] = [];
    const foreign: Record<string, string> = {};
    const removed: string[] = [];
    const adoptions: { provider: string; account: string; credential: OAuthCredential }[] = [];
    const result = await updateAuthFile(path, (data) => {
      let changed = false;
      for (const provider of new Set([...Object.keys(want), ...Object.keys(owned)])) {
        const cur = data[provider];
        const curFp = cur === undefined ? undefined : fingerprint(cur);
        const wanted = want[provider];
        if (wanted) {
          const entry = wanted.credential;
          const fp = fingerprint(entry);
          const piVersion =
            owned[provider] !== undefined && accounts[provider] === wanted.account
              ? refreshedByPi(entry, cur, this.oauth(provider))
              : undefined;
          if (curFp === fp) {
            owned[provider] = fp;
          } else if (piVersion) {
            adoptions.push({ provider, account: wanted.account, credential: piVersion });
            owned[provider] = curFp!;
          } else if (cur === undefined || curFp === owned[provider] || takeOver.includes(provider)) {
            data[provider] = entry;
            owned[provider] = fp;
            changed = true;
          } else {
            conflicts.push(provider);
            foreign[provider] = curFp!;
            delete owned[provider];
          }
          if (owned[provider]) accounts[provider] = wanted.account;
        } else {
          if (curFp !== undefined && curFp === owned[provider]) {
            delete data[provider];
            removed.push(provider);
            changed = true;
          }
          delete owned[provider];
        }
        if (!owned[provider]) delete accounts[provider];
      }
      return changed;
    });
    await this.state.write(withFilePart(state, path, owned, accounts));
    for (const a of adoptions) await this.vault.updateCredential(a.provider, a.account, a.credential);
    return {
      path,
      ...result,
      conflicts,
      foreign,
      removed,
      adopted: adoptions.map((a) => `${a.provider}/${a.account}`),
    };
  }

  /** Entries in auth.json (literal API keys, and OAuth sign-ins pi made) that are not yet accounts here. */
  async scanImports(): Promise<ImportScan> {
    const data = (await readAuthFile(this.path())) ?? {};
    const known = new Set(this.vault.secrets());
    // Our own "!command" entries for keys kept in a password manager are not pi's to import.
    const ours = new Set(this.vault.accounts().flatMap((a) => (a.ref ? [`!${piCommand(a.ref)}`] : [])));
    const candidates: ImportCandidate[] = [];
    const skipped: { provider: string; why: string }[] = [];
    for (const [provider, value] of Object.entries(data)) {
      if (!findProvider(provider)) continue;
      const oauth = oauthCredentialSchema.safeParse(value);
      if (oauth.success) {
        if (known.has(oauth.data.refresh) || known.has(oauth.data.access)) continue;
        if (this.oauth(provider))
          candidates.push({
            provider,
            credential: oauth.data,
            keyTail: keyTail(oauth.data.access),
            fingerprint: fingerprint(value),
          });
        else skipped.push({ provider, why: 'Pi Accounts cannot refresh this kind of sign-in yet' });
        continue;
      }
      const entry = asApiKeyEntry(value);
      if (!entry) continue;
      if (ours.has(entry.key)) continue;
      const read = readPiValue(entry.key);
      if (read.kind === 'command')
        skipped.push({ provider, why: 'its key is a shell command, which Pi Accounts never runs' });
      else if (read.kind === 'env')
        skipped.push({
          provider,
          why: `its key reads the environment variable${read.names.length > 1 ? 's' : ''} ${read.names.join(', ')}, not a key`,
        });
      else if (known.has(read.value)) continue;
      else if (apiKeyProblem(read.value)) skipped.push({ provider, why: apiKeyProblem(read.value)! });
      else
        candidates.push({
          provider,
          credential: { type: 'api_key', key: read.value, ...(entry.env ? { env: entry.env } : {}) },
          keyTail: keyTail(read.value),
          fingerprint: fingerprint(value),
        });
    }
    return { candidates, skipped };
  }

  /**
   * Adds the chosen entries as accounts; from then on the mirror manages those entries. Returns
   * provider and account name of each, so the caller can make them the ones in use.
   */
  async import(candidates: readonly ImportCandidate[]): Promise<{ provider: string; account: string }[]> {
    const path = this.path();
    const state = await this.state.read();
    const { owned, accounts } = filePart(state, path);
    const names: { provider: string; account: string }[] = [];
    for (const c of candidates) {
      const name = this.vault.freeName(c.provider, ['default', 'pi']);
      await this.vault.add(c.provider, name, c.credential);
      owned[c.provider] = c.fingerprint;
      accounts[c.provider] = name;
      names.push({ provider: c.provider, account: name });
    }
    await this.state.write(withFilePart(state, path, owned, accounts));
    return names;
  }
}

function filePart(state: MirrorState, path: string) {
  return { owned: { ...(state.owned[path] ?? {}) }, accounts: { ...(state.accounts?.[path] ?? {}) } };
}

function withFilePart(
  state: MirrorState,
  path: string,
  owned: Record<string, string>,
  accounts: Record<string, string>,
): MirrorState {
  return { owned: { ...state.owned, [path]: owned }, accounts: { ...state.accounts, [path]: accounts } };
}
