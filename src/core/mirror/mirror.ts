import { apiKeyProblem, keyTail } from '../credentials';
import { findProvider } from '../providers/directory';
import type { Vault } from '../vault';
import { asApiKeyEntry, readAuthFile, updateAuthFile, type ApiKeyEntry } from './auth-file';
import { fingerprint, type MirrorStateStore } from './mirror-state';

export interface SyncReport {
  readonly path: string;
  readonly written: boolean;
  readonly fixedMode: boolean;
  /** Providers whose auth.json entry belongs to someone else and was left as it is. */
  readonly conflicts: readonly string[];
  readonly removed: readonly string[];
}

export interface ImportCandidate {
  readonly provider: string;
  readonly keyTail: string;
  readonly key: string;
  /** Of the entry as found, extra fields included, so the mirror recognises it as managed. */
  readonly fingerprint: string;
}

export interface ImportScan {
  readonly candidates: readonly ImportCandidate[];
  /** Entries that are not literal keys (pi runs "!command" and reads env-var names): never imported. */
  readonly skipped: readonly { provider: string; why: string }[];
}

// pi reads an api_key value that names a set environment variable as that variable's value.
const ENV_REFERENCE = /^[A-Z_][A-Z0-9_]*$/;

/**
 * Keeps pi's auth.json in step with the vault: the default account of each provider is written
 * there; entries someone else wrote or changed are never touched.
 */
export class AuthMirror {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly vault: Vault,
    private readonly state: MirrorStateStore,
    private readonly path: () => string,
  ) {}

  desired(): Record<string, ApiKeyEntry> {
    const out: Record<string, ApiKeyEntry> = {};
    for (const provider of this.vault.providers()) {
      const def = this.vault.defaultAccount(provider);
      const cred = def && this.vault.credential(provider, def.name);
      if (cred) out[provider] = { type: 'api_key', key: cred.key };
    }
    return out;
  }

  /** `takeOver`: providers whose foreign entry the person chose to replace. */
  sync(takeOver: readonly string[] = []): Promise<SyncReport> {
    const run = this.queue.then(() => this.syncNow(takeOver));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(takeOver: readonly string[]): Promise<SyncReport> {
    const path = this.path();
    const state = await this.state.read();
    const owned = { ...(state.owned[path] ?? {}) };
    const want = this.desired();
    const conflicts: string[] = [];
    const removed: string[] = [];
    const result = await updateAuthFile(path, (data) => {
      let changed = false;
      for (const provider of new Set([...Object.keys(want), ...Object.keys(owned)])) {
        const cur = data[provider];
        const curFp = cur === undefined ? undefined : fingerprint(cur);
        const entry = want[provider];
        if (entry) {
          const fp = fingerprint(entry);
          if (curFp === fp) {
            owned[provider] = fp;
          } else if (cur === undefined || curFp === owned[provider] || takeOver.includes(provider)) {
            data[provider] = entry;
            owned[provider] = fp;
            changed = true;
          } else {
            conflicts.push(provider);
            delete owned[provider];
          }
        } else {
          if (curFp !== undefined && curFp === owned[provider]) {
            delete data[provider];
            removed.push(provider);
            changed = true;
          }
          delete owned[provider];
        }
      }
      return changed;
    });
    await this.state.write({ owned: { ...state.owned, [path]: owned } });
    return { path, ...result, conflicts, removed };
  }

  /** api-key entries in auth.json that are not yet accounts here. */
  async scanImports(): Promise<ImportScan> {
    const data = (await readAuthFile(this.path())) ?? {};
    const known = new Set(this.vault.secrets());
    const candidates: ImportCandidate[] = [];
    const skipped: { provider: string; why: string }[] = [];
    for (const [provider, value] of Object.entries(data)) {
      const entry = asApiKeyEntry(value);
      if (!entry || !findProvider(provider) || known.has(entry.key)) continue;
      if (entry.key.startsWith('!')) skipped.push({ provider, why: 'its key is a shell command, which Pi Accounts never runs' });
      else if (ENV_REFERENCE.test(entry.key)) skipped.push({ provider, why: `its key names the environment variable ${entry.key}, not a key` });
      else if (apiKeyProblem(entry.key)) skipped.push({ provider, why: apiKeyProblem(entry.key)! });
      else candidates.push({ provider, key: entry.key, keyTail: keyTail(entry.key), fingerprint: fingerprint(value) });
    }
    return { candidates, skipped };
  }

  /** Adds the chosen entries as accounts; from then on the mirror manages those entries. */
  async import(candidates: readonly ImportCandidate[]): Promise<string[]> {
    const path = this.path();
    const state = await this.state.read();
    const owned = { ...(state.owned[path] ?? {}) };
    const names: string[] = [];
    for (const c of candidates) {
      const taken = new Set(this.vault.accounts(c.provider).map((a) => a.name));
      const name = ['default', 'pi', ...Array.from({ length: 48 }, (_, i) => `pi-${i + 2}`)].find((n) => !taken.has(n))!;
      await this.vault.add(c.provider, name, { type: 'api_key', key: c.key });
      owned[c.provider] = c.fingerprint;
      names.push(`${c.provider}/${name}`);
    }
    await this.state.write({ owned: { ...state.owned, [path]: owned } });
    return names;
  }
}
