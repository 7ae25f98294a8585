import * as z from 'zod/mini';
import { parseJson } from './json';
import {
  credentialSchema,
  keyOf,
  keyTail,
  requireAccountName,
  secretsOf,
  type AccountKind,
  type Credential,
} from './credentials';
import { Emitter } from './events';
import { Fault } from './faults';
import { clampExpiry } from './oauth/tokens';
import { requireProvider } from './providers/directory';
import type { SecretRef } from './secret-ref';
import type { SecretStore } from './secret-store';

/** What everyone but the key resolver and the outlets that hand out keys sees of an account: never the secret itself. */
export interface AccountInfo {
  readonly provider: string;
  readonly name: string;
  readonly kind: AccountKind;
  readonly isDefault: boolean;
  readonly createdAt: number;
  readonly keyTail: string;
  /** OAuth accounts: when the access token expires (epoch ms, pi's convention). */
  readonly expires?: number;
  /** The refresh token was refused: the account is kept until the person signs in again. */
  readonly needsSignIn: boolean;
  /** The account's request settings: the base URL, and the names (never the values) of extra headers. */
  readonly baseUrl?: string;
  readonly headerNames: readonly string[];
  /** A key kept in a password manager: where it is (never the key). */
  readonly ref?: SecretRef;
}

/** Where this account's requests go, and what they carry besides the key. */
export interface RequestSettings {
  readonly baseUrl?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface VaultChange {
  readonly reason: 'load' | 'add' | 'remove' | 'default' | 'external' | 'refresh' | 'status';
}

// All accounts live in ONE secret, so a write is all-or-nothing (a half-finished sign-in stores
// nothing) and one SecretStorage change event tells every window that something moved.
export const VAULT_KEY = 'piAccounts.vault.v1';

const storedAccountSchema = z.object({
  name: z.string(),
  createdAt: z.number(),
  credential: credentialSchema,
  needsSignIn: z.optional(z.boolean()),
  request: z.optional(
    z.object({ baseUrl: z.optional(z.string()), headers: z.optional(z.record(z.string(), z.string())) }),
  ),
});
// Accounts are checked one by one: one unreadable entry (an older build stored an expiry of
// Infinity as null) must not hide the others. It is kept as it is and reported.
const storedVaultSchema = z.object({
  version: z.literal(1),
  providers: z.record(z.string(), z.object({ default: z.string(), accounts: z.array(z.unknown()) })),
});
type StoredAccount = z.infer<typeof storedAccountSchema>;
interface StoredVault {
  version: 1;
  providers: Record<string, { default: string; accounts: StoredAccount[] }>;
}

/** An account entry the vault cannot read: kept byte for byte, never shown or overwritten. */
export interface UnreadableAccount {
  readonly provider: string;
  /** Its name, when that much is readable. */
  readonly name?: string;
  readonly raw: unknown;
}

const empty = (): StoredVault => ({ version: 1, providers: {} });

/** One account as the hot path reads it: built once per change of the stored accounts. */
interface Indexed {
  readonly info: AccountInfo;
  readonly stored: StoredAccount;
}

export class Vault {
  private data: StoredVault = empty();
  private kept: readonly UnreadableAccount[] = [];
  // provider → account name → account, and provider → its default: key lookups run on every
  // request, so they read these instead of rebuilding info objects (rebuilt in `use`).
  private byName = new Map<string, Map<string, Indexed>>();
  private defaults = new Map<string, Indexed>();
  private raw: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changed = new Emitter<VaultChange>('the vault');
  readonly onDidChange = this.changed.event;

  constructor(private readonly store: SecretStore) {}

  /** Reads the stored accounts; call once before use and again when another window changed them. */
  async load(reason: VaultChange['reason'] = 'load'): Promise<void> {
    await this.serialize(async () => {
      const raw = await this.store.get(VAULT_KEY);
      if (raw === this.raw && reason !== 'load') return;
      const parsed = parse(raw);
      this.use(parsed.data);
      this.kept = parsed.unreadable;
      this.raw = raw;
      this.changed.fire({ reason });
    });
  }

  /** Reloads when another window (or this one) wrote the vault secret; `failed` hears why it could not. */
  watch(failed: (e: unknown) => void = () => undefined): { dispose(): void } {
    return this.store.onDidChange((key) => {
      if (key === VAULT_KEY) void this.load('external').catch(failed);
    });
  }

  /** A new array each call (callers may sort it); the hot path uses `account` and `inUse`. */
  accounts(provider?: string): AccountInfo[] {
    const out: AccountInfo[] = [];
    for (const [id, accounts] of this.byName) {
      if (provider !== undefined && id !== provider) continue;
      for (const a of accounts.values()) out.push(a.info);
    }
    return out;
  }

  /** One account's info, without allocating. */
  account(provider: string, name: string): AccountInfo | undefined {
    return this.byName.get(provider)?.get(name)?.info;
  }

  providers(): string[] {
    return Object.keys(this.data.providers).filter((p) => this.data.providers[p].accounts.length > 0);
  }

  /** Entries that could not be read (kept as they are); the others load as usual. */
  unreadable(): readonly UnreadableAccount[] {
    return this.kept;
  }

  /** For imports: the first of `preferred` not taken, then `<last>-2`, `<last>-3`… */
  freeName(provider: string, preferred: readonly string[]): string {
    const taken = new Set(this.accounts(provider).map((a) => a.name));
    const stem = preferred[preferred.length - 1];
    return [...preferred, ...Array.from({ length: 48 }, (_, i) => `${stem}-${i + 2}`)].find((n) => !taken.has(n))!;
  }

  inUse(provider: string): AccountInfo | undefined {
    return this.defaults.get(provider)?.info;
  }

  credential(provider: string, name: string): Credential | undefined {
    return this.byName.get(provider)?.get(name)?.stored.credential;
  }

  /** Re-reads secret storage first: another window may have refreshed the token meanwhile. */
  async freshCredential(provider: string, name: string): Promise<Credential | undefined> {
    await this.load('external');
    return this.credential(provider, name);
  }

  request(provider: string, name: string): RequestSettings | undefined {
    return this.byName.get(provider)?.get(name)?.stored.request;
  }

  /** Every secret held, for the redactor. Header values count: they often carry credentials. */
  secrets(): string[] {
    return Object.values(this.data.providers).flatMap((p) =>
      p.accounts.flatMap((a) => [...secretsOf(a.credential), ...Object.values(a.request?.headers ?? {})]),
    );
  }

  async add(provider: string, name: string, credential: Credential): Promise<AccountInfo> {
    requireProvider(provider);
    requireAccountName(name);
    return this.mutate('add', (d) => {
      const p = (d.providers[provider] ??= { default: name, accounts: [] });
      if (!p.accounts.length) p.default = name; // only unreadable entries before it
      if (
        p.accounts.some((a) => a.name === name) ||
        this.kept.some((k) => k.provider === provider && k.name === name)
      ) {
        throw new Fault(
          'name-collision',
          `${requireProvider(provider).label} already has an account named "${name}".`,
          'Choose another name, or sign out of that account first.',
        );
      }
      const account = { name, createdAt: Date.now(), credential: storable(credential) };
      p.accounts.push(account);
      return info(provider, account, p.default === name);
    });
  }

  async remove(provider: string, name: string): Promise<void> {
    await this.mutate('remove', (d) => {
      const p = requireAccountIn(d, provider, name);
      p.accounts = p.accounts.filter((a) => a.name !== name);
      if (p.accounts.length === 0) delete d.providers[provider];
      else if (p.default === name) p.default = p.accounts[0].name;
    });
  }

  async removeProvider(provider: string): Promise<number> {
    return this.mutate('remove', (d) => {
      const n = d.providers[provider]?.accounts.length ?? 0;
      if (n === 0) throw notFound(provider);
      delete d.providers[provider];
      return n;
    });
  }

  /** New tokens for an existing account (a refresh, or signing in again): clears "needs sign-in". */
  async updateCredential(provider: string, name: string, credential: Credential): Promise<void> {
    await this.mutate('refresh', (d) => {
      const account = requireAccountIn(d, provider, name).accounts.find((a) => a.name === name)!;
      account.credential = storable(credential);
      delete account.needsSignIn;
    });
  }

  /** Sets (or with undefined, clears) the account's base URL and headers. Validate first. */
  async setRequest(provider: string, name: string, request: RequestSettings | undefined): Promise<void> {
    await this.mutate('status', (d) => {
      const account = requireAccountIn(d, provider, name).accounts.find((a) => a.name === name)!;
      if (request && (request.baseUrl || Object.keys(request.headers ?? {}).length))
        account.request = { ...request, headers: request.headers ? { ...request.headers } : undefined };
      else delete account.request;
    });
  }

  /** The refresh token was refused: keep the account, flag it for the person. */
  async markNeedsSignIn(provider: string, name: string): Promise<void> {
    await this.mutate('status', (d) => {
      requireAccountIn(d, provider, name).accounts.find((a) => a.name === name)!.needsSignIn = true;
    });
  }

  async setInUse(provider: string, name: string): Promise<void> {
    await this.mutate('default', (d) => {
      requireAccountIn(d, provider, name).default = name;
    });
  }

  dispose(): void {
    this.changed.dispose();
  }

  // Read-modify-write on a fresh read, one at a time: another window may have written since.
  private mutate<T>(reason: VaultChange['reason'], change: (d: StoredVault) => T): Promise<T> {
    return this.serialize(async () => {
      const raw = await this.store.get(VAULT_KEY);
      const { data: next, unreadable } = parse(raw);
      const result = change(next);
      const text = serialize(next, unreadable);
      // What we store must read back: never trade a readable account for an unreadable one.
      if (parse(text).unreadable.length > unreadable.length)
        throw new Fault(
          'vault',
          'Pi Accounts refused to save an account it could not read back.',
          'Nothing was changed. Run "Pi Accounts: Show Log" and report the problem.',
        );
      try {
        await this.store.store(VAULT_KEY, text);
      } catch (e) {
        throw new Fault(
          'vault',
          `Could not save to VS Code's secret storage: ${(e as Error).message}.`,
          'Nothing was changed. Check that your OS keyring is unlocked, then try again.',
        );
      }
      this.use(next);
      this.kept = unreadable;
      this.raw = text;
      this.changed.fire({ reason });
      return result;
    });
  }

  private use(data: StoredVault): void {
    this.data = data;
    this.byName = new Map();
    this.defaults = new Map();
    for (const [id, p] of Object.entries(data.providers)) {
      const accounts = new Map<string, Indexed>();
      for (const a of p.accounts) accounts.set(a.name, { info: info(id, a, p.default === a.name), stored: a });
      this.byName.set(id, accounts);
      const def = accounts.get(p.default);
      if (def) this.defaults.set(id, def);
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function parse(raw: string | undefined): { data: StoredVault; unreadable: UnreadableAccount[] } {
  const data = empty();
  const unreadable: UnreadableAccount[] = [];
  if (raw === undefined) return { data, unreadable };
  const parsed = storedVaultSchema.safeParse(parseJson(raw));
  if (!parsed.success) {
    // Refuse to work on (and so overwrite) accounts we cannot read.
    throw new Fault(
      'vault',
      "The accounts saved in VS Code's secret storage cannot be read.",
      'Nothing was changed. Run "Pi Accounts: Show Log" and report the problem.',
    );
  }
  for (const [provider, p] of Object.entries(parsed.data.providers)) {
    const accounts: StoredAccount[] = [];
    for (const entry of p.accounts) {
      const a = storedAccountSchema.safeParse(entry);
      if (a.success) accounts.push(a.data);
      else
        unreadable.push({
          provider,
          name: typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : undefined,
          raw: entry,
        });
    }
    // A default that names an unreadable entry moves to a readable account, as a sign-out does.
    data.providers[provider] = {
      default: accounts.some((a) => a.name === p.default) ? p.default : (accounts[0]?.name ?? p.default),
      accounts,
    };
  }
  return { data, unreadable };
}

/** The vault as stored: the unreadable entries go back where they were, unchanged. */
function serialize(d: StoredVault, unreadable: readonly UnreadableAccount[]): string {
  const out: { version: 1; providers: Record<string, { default: string; accounts: unknown[] }> } = {
    version: 1,
    providers: {},
  };
  for (const [id, p] of Object.entries(d.providers))
    if (p.accounts.length) out.providers[id] = { default: p.default, accounts: [...p.accounts] };
  for (const u of unreadable)
    (out.providers[u.provider] ??= {
      default: d.providers[u.provider]?.default ?? u.name ?? '',
      accounts: [],
    }).accounts.push(u.raw);
  return JSON.stringify(out);
}

/** JSON has no Infinity (it becomes null, which no longer reads back): an expiry is always a finite time. */
function storable(c: Credential): Credential {
  return c.type === 'oauth' && !Number.isFinite(c.expires) ? { ...c, expires: clampExpiry(c.expires, Date.now()) } : c;
}

function info(provider: string, a: StoredAccount, isDefault: boolean): AccountInfo {
  const c = a.credential;
  return {
    provider,
    name: a.name,
    kind: c.type,
    isDefault,
    createdAt: a.createdAt,
    keyTail: keyTail(keyOf(c)),
    expires: c.type === 'oauth' ? c.expires : undefined,
    needsSignIn: a.needsSignIn === true,
    baseUrl: a.request?.baseUrl,
    headerNames: Object.keys(a.request?.headers ?? {}),
    ...(c.type === 'ref' ? { ref: c.ref } : {}),
  };
}

function notFound(provider: string, name?: string): Fault {
  const label = requireProvider(provider).label;
  return new Fault(
    'not-found',
    name ? `${label} has no account named "${name}".` : `There are no ${label} accounts.`,
    'Open the Accounts view to see which accounts exist.',
  );
}

function requireAccountIn(d: StoredVault, provider: string, name: string) {
  requireProvider(provider);
  const p = d.providers[provider];
  if (!p || !p.accounts.some((a) => a.name === name)) throw notFound(provider, name);
  return p;
}
