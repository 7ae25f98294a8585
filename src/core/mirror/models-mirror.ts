// pi 0.73.1 takes a provider's base URL and extra headers from its models.json (next to
// auth.json: ModelRegistry in @mariozechner/pi-coding-agent dist/core/model-registry.js,
// `providers.<id>.baseUrl` / `.headers`), not from *_BASE_URL variables for most providers. So
// the request settings of the account in use go there, under the rules of the auth.json mirror: the same
// locked, atomic write (auth-file.ts), content we did not write kept, our fields removed when the
// account goes or its request settings are cleared, and a file we cannot parse (comments included:
// rewriting would lose them) never written.
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';
import { parseJson } from '../json';
import { Fault, isFault } from '../faults';
import type { InUseAccounts } from '../rotation/rotation';
import type { SecretStore } from '../secret-store';
import type { RequestSettings, Vault } from '../vault';
import { updateAuthFile } from './auth-file';
import { fingerprint } from './mirror-state';
import { escapePiValue } from './pi-values';

/** models.json beside auth.json, where pi looks for it (its agent directory). */
export const modelsPathBeside = (authPath: string) => join(dirname(authPath), 'models.json');

// Per file, per provider: the fingerprint of the baseUrl/headers we wrote. Kept in SecretStorage
// (header values are often credentials; a hash of one has no business in plain settings).
const stateSchema = z.record(z.string(), z.record(z.string(), z.string()));
export const MODELS_STATE_KEY = 'piAccounts.modelsJson.v1';

export interface ModelsReport {
  readonly path: string;
  readonly written: boolean;
  /** Providers whose baseUrl/headers in models.json someone else set: left as they are. */
  readonly conflicts: readonly string[];
  /** Providers whose request settings pi now reads from models.json. */
  readonly owned: readonly string[];
}

type Fields = { baseUrl?: string; headers?: Record<string, string> };
const fieldsOf = (entry: unknown): Fields => {
  const e = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
  return {
    ...(e.baseUrl !== undefined ? { baseUrl: e.baseUrl as string } : {}),
    ...(e.headers !== undefined ? { headers: e.headers as Record<string, string> } : {}),
  };
};
const isEmpty = (f: Fields) => f.baseUrl === undefined && f.headers === undefined;

export class ModelsMirror {
  private queue: Promise<unknown> = Promise.resolve();
  private last: ModelsReport | undefined;

  constructor(
    private readonly vault: Vault,
    private readonly store: SecretStore,
    private readonly path: () => string,
    private readonly accounts: InUseAccounts,
  ) {}

  /** What the last sync did, for the Accounts view. */
  report(): ModelsReport | undefined {
    return this.last;
  }

  /** The request settings of each provider's account in use, in pi's models.json fields. */
  desired(): { want: Record<string, Fields> } {
    const want: Record<string, Fields> = {};
    for (const provider of this.vault.providers()) {
      const active = this.accounts.inUse(provider);
      const r: RequestSettings | undefined = active && this.vault.request(provider, active.name);
      if (!r) continue;
      // Escaped as pi 1.x reads header values: "$NAME" expands, "!…" runs (pi-values.ts).
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([n, v]) => [n, escapePiValue(v)]));
      const f: Fields = {
        ...(r.baseUrl ? { baseUrl: r.baseUrl } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
      };
      if (!isEmpty(f)) want[provider] = f;
    }
    return { want };
  }

  sync(): Promise<ModelsReport> {
    const run = this.queue.then(() => this.syncNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncNow(): Promise<ModelsReport> {
    const path = this.path();
    const all = stateSchema.safeParse(parseJson(await this.store.get(MODELS_STATE_KEY)));
    const state = all.success ? all.data : {};
    const owned = { ...(state[path] ?? {}) };
    const { want } = this.desired();
    const conflicts: string[] = [];
    let written = false;
    if (Object.keys(want).length || Object.keys(owned).length) {
      try {
        ({ written } = await updateAuthFile(path, (data) => {
          if (
            data.providers !== undefined &&
            (typeof data.providers !== 'object' || data.providers === null || Array.isArray(data.providers))
          ) {
            throw new Fault(
              'mirror-corrupt',
              `pi's models.json (${path}) has a "providers" that is not an object. Pi Accounts left it unchanged.`,
              'Fix the file; pi cannot read it either.',
              { file: 'models.json', path },
            );
          }
          const providers = (data.providers ?? {}) as Record<string, Record<string, unknown>>;
          let changed = false;
          for (const provider of new Set([...Object.keys(want), ...Object.keys(owned)])) {
            const entry = providers[provider];
            const cur = fieldsOf(entry);
            const ours = isEmpty(cur) || fingerprint(cur) === owned[provider];
            const next = want[provider];
            if (!next && isEmpty(cur)) {
              delete owned[provider];
              continue;
            }
            if (!ours) {
              if (next) conflicts.push(provider);
              delete owned[provider];
              continue;
            }
            if (next && fingerprint(cur) === fingerprint(next)) {
              owned[provider] = fingerprint(next);
              continue;
            }
            const rest = { ...entry };
            delete rest.baseUrl;
            delete rest.headers;
            // pi refuses a whole models.json with an entry that overrides nothing: drop it instead.
            if (next) providers[provider] = { ...rest, ...next };
            else if (Object.keys(rest).length) providers[provider] = rest;
            else delete providers[provider];
            if (next) owned[provider] = fingerprint(next);
            else delete owned[provider];
            changed = true;
          }
          if (changed) data.providers = providers;
          return changed;
        }));
      } catch (e) {
        // The file did not parse (not our "providers" check above): say what pi's JSON allows.
        if (isFault(e, 'mirror-corrupt') && !e.message.includes('"providers"')) {
          throw new Fault(
            'mirror-corrupt',
            `pi's models.json (${path}) cannot be read as plain JSON (comments included). Pi Accounts left it unchanged, so pi does not get the accounts' base URLs and headers.`,
            'Fix or remove the file, or move the comments out of it.',
            { file: 'models.json', path },
          );
        }
        throw e;
      }
    }
    // Only on a change: every window hears each write to secret storage.
    if (JSON.stringify(owned) !== JSON.stringify(state[path] ?? {}))
      await this.store.store(MODELS_STATE_KEY, JSON.stringify({ ...state, [path]: owned }));
    this.last = { path, written, conflicts, owned: Object.keys(owned) };
    return this.last;
  }
}
