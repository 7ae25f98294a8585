// Accounts that follow the person: the account LIST (providers, names, kinds, password-manager
// references, base URLs, header names) is kept in one globalState key that VS Code Settings Sync
// carries to the person's other machines (ExtensionContext.globalState.setKeysForSync,
// https://code.visualstudio.com/api/references/vscode-api#Memento). Never a secret: no key, no
// token, no key tail, no header value, no secret environment value. A sign-in's tokens stay on the
// machine that made it, so two machines never refresh (and so revoke) each other's refresh token.
//
// Another machine, maybe with another version of Pi Accounts, wrote what we read: everything is
// checked entry by entry; entries we cannot read are kept as they are; a list written by a newer
// format is left alone entirely.
import * as z from 'zod/mini';
import { SECRET_VAR, type RefCredential } from './credentials';
import { Emitter } from './events';
import { Fault } from './faults';
import { secretRefSchema } from './secret-ref';
import type { AccountInfo, Vault } from './vault';

/** The globalState key Settings Sync carries. */
export const SYNC_KEY = 'piAccounts.syncedAccounts';
const VERSION = 1;
/** Forgotten entries are remembered this long (then a machine that still has the account may publish it again). */
const FORGET_MS = 180 * 24 * 3600_000;
const MAX_ENTRIES = 500;

const name = z.string().check(z.minLength(1), z.maxLength(100));
const syncedAccountSchema = z.object({
  provider: name,
  name,
  kind: z.enum(['api_key', 'oauth', 'env', 'ref']),
  /** When this entry was published (epoch ms): the later of an entry and a "forgotten" mark wins. */
  at: z.number(),
  ref: z.optional(secretRefSchema),
  /** Environment values that are not secrets (a region, a project id); secret ones are never synced. */
  env: z.optional(z.record(z.string(), z.string())),
  /** True when the account also has secret environment values this machine would need. */
  secretEnv: z.optional(z.boolean()),
  baseUrl: z.optional(z.string()),
  headerNames: z.optional(z.array(z.string())),
});
export type SyncedAccount = z.infer<typeof syncedAccountSchema>;
const forgottenSchema = z.object({ provider: name, name, at: z.number() });
export type Forgotten = z.infer<typeof forgottenSchema>;
const envelopeSchema = z.object({
  version: z.number(),
  accounts: z.optional(z.array(z.unknown())),
  forgotten: z.optional(z.array(z.unknown())),
});

export interface SyncedList {
  readonly accounts: readonly SyncedAccount[];
  readonly forgotten: readonly Forgotten[];
  /** Entries this version cannot read: written back unchanged. */
  readonly unreadable: readonly unknown[];
}

export type ReadResult =
  | { readonly state: 'ok'; readonly list: SyncedList }
  /** Written by a newer Pi Accounts: neither changed nor used here. */
  | { readonly state: 'newer'; readonly version: number }
  /** Not a list at all: replaced by this machine's list on the next write. */
  | { readonly state: 'garbage' };

const EMPTY: SyncedList = { accounts: [], forgotten: [], unreadable: [] };
const keyOf = (a: { provider: string; name: string }) => `${a.provider}\u0000${a.name}`;

/** Reads what Settings Sync brought (undefined: nothing yet). */
export function readSynced(raw: unknown): ReadResult {
  if (raw === undefined) return { state: 'ok', list: EMPTY };
  const env = envelopeSchema.safeParse(raw);
  if (!env.success || !Number.isInteger(env.data.version) || env.data.version < 1) return { state: 'garbage' };
  if (env.data.version > VERSION) return { state: 'newer', version: env.data.version };
  const accounts: SyncedAccount[] = [];
  const unreadable: unknown[] = [];
  for (const entry of env.data.accounts ?? []) {
    const a = syncedAccountSchema.safeParse(entry);
    if (a.success) accounts.push(a.data);
    else unreadable.push(entry);
  }
  const forgotten = (env.data.forgotten ?? []).flatMap((f) => {
    const r = forgottenSchema.safeParse(f);
    return r.success ? [r.data] : [];
  });
  return { state: 'ok', list: { accounts, forgotten, unreadable } };
}

/** What this machine publishes of one account: never a secret. */
export function syncedOf(vault: Vault, a: AccountInfo, at: number): SyncedAccount {
  const c = vault.credential(a.provider, a.name);
  const env = c?.type === 'ref' || c?.type === 'api_key' ? c.env : c?.type === 'env' ? c.vars : undefined;
  const plain = Object.entries(env ?? {}).filter(([k]) => !SECRET_VAR.test(k));
  return {
    provider: a.provider,
    name: a.name,
    kind: a.kind,
    at,
    ...(a.ref ? { ref: a.ref } : {}),
    ...(plain.length ? { env: Object.fromEntries(plain) } : {}),
    ...(Object.keys(env ?? {}).some((k) => SECRET_VAR.test(k)) ? { secretEnv: true } : {}),
    ...(a.baseUrl ? { baseUrl: a.baseUrl } : {}),
    ...(a.headerNames.length ? { headerNames: [...a.headerNames] } : {}),
  };
}

/**
 * The list after this machine's turn: every synced entry not forgotten, plus this machine's
 * accounts (unless forgotten after this machine added them), plus what this machine forgot now.
 */
export function merge(
  list: SyncedList,
  local: readonly SyncedAccount[],
  localCreatedAt: (a: SyncedAccount) => number,
  forgetNow: readonly Forgotten[],
  now: number,
  /** May this machine's version replace a different entry already in the list? (Default: yes.) */
  mayReplace: (old: SyncedAccount, local: SyncedAccount) => boolean = () => true,
): SyncedList {
  const forgotten = new Map<string, Forgotten>();
  for (const f of [...list.forgotten, ...forgetNow])
    if (now - f.at < FORGET_MS && (forgotten.get(keyOf(f))?.at ?? -1) < f.at) forgotten.set(keyOf(f), f);
  const accounts = new Map<string, SyncedAccount>();
  for (const a of list.accounts) accounts.set(keyOf(a), a);
  for (const a of local) {
    const f = forgotten.get(keyOf(a));
    // Forgotten after this machine added it: this machine keeps it, but no longer publishes it.
    if (f && f.at >= localCreatedAt(a)) continue;
    const old = accounts.get(keyOf(a));
    // Unchanged entries keep their time, so a list with nothing new is written as it was.
    if (old && (same(old, a) || !mayReplace(old, a))) continue;
    accounts.set(keyOf(a), a);
  }
  for (const [k, a] of accounts) {
    const f = forgotten.get(k);
    if (f && f.at >= a.at) accounts.delete(k);
    else if (f) forgotten.delete(k); // published again since: the entry wins
  }
  return {
    accounts: [...accounts.values()].slice(-MAX_ENTRIES),
    forgotten: [...forgotten.values()].slice(-MAX_ENTRIES),
    unreadable: list.unreadable,
  };
}

function same(x: SyncedAccount, y: SyncedAccount): boolean {
  return JSON.stringify({ ...x, at: 0 }) === JSON.stringify({ ...y, at: 0 });
}

/**
 * The value written for Settings Sync. `secrets` is every secret this machine holds: if one of
 * them (or a long enough part of one) appears in the text, nothing is written.
 */
export function serializeSynced(list: SyncedList, secrets: readonly string[]): unknown {
  const value = { version: VERSION, accounts: [...list.accounts, ...list.unreadable], forgotten: list.forgotten };
  const text = JSON.stringify(value);
  if (secrets.some((s) => s.length >= 8 && text.includes(s)))
    throw new Fault(
      'vault',
      'Pi Accounts refused to write the synced account list: it would have contained a secret.',
      'Nothing was synced. Run "Pi Accounts: Show Log" and report the problem.',
    );
  return value;
}

/** A synced password-manager account this machine can use at once: its reference is all it needs. */
export function adoptable(a: SyncedAccount): RefCredential | undefined {
  if (a.kind !== 'ref' || !a.ref || a.secretEnv || a.headerNames?.length) return undefined;
  return { type: 'ref', ref: a.ref, ...(a.env ? { env: { ...a.env } } : {}) };
}

/** The synced entries this machine has no account for: shown as "sign in on this machine". */
export function missingHere(list: SyncedList, has: (provider: string, name: string) => boolean): SyncedAccount[] {
  return list.accounts.filter((a) => !has(a.provider, a.name));
}

/** The port the adapter gives: one globalState key (VS Code's Memento). */
export interface SyncedState {
  get(): unknown;
  set(value: unknown): Thenable<void> | Promise<void>;
}

export interface AccountSyncDeps {
  readonly vault: Vault;
  readonly state: SyncedState;
  /** Is the person's opt-in on. */
  readonly enabled: () => boolean;
  /** Known provider ids (a newer version may sync providers this one does not know). */
  readonly knownProvider: (id: string) => boolean;
  readonly log: { info(m: string): void; warn(m: string): void };
  readonly now?: () => number;
}

/** Keeps the synced list and this machine's vault in step; tells the view what is missing here. */
export class AccountSync {
  private missing: SyncedAccount[] = [];
  /** What this machine last saw of its own accounts in the list (without times), by account. */
  private readonly published = new Map<string, string>();
  private known: Set<string> | undefined;
  private readonly forgetNow: Forgotten[] = [];
  private running: Promise<void> = Promise.resolve();
  private readonly changed = new Emitter<void>('the synced account list');
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: AccountSyncDeps) {}

  /** Synced accounts this machine lacks (empty when sync is off). */
  pending(): readonly SyncedAccount[] {
    return this.deps.enabled() ? this.missing : [];
  }

  /** Removes a "sign in on this machine" row: the account is forgotten from the synced list. */
  forget(provider: string, name: string): Promise<void> {
    this.forgetNow.push({ provider, name, at: this.now() });
    return this.sync();
  }

  /** One turn, after the vault changed or the window came back (Settings Sync may have brought news). */
  sync(): Promise<void> {
    const run = this.running.then(() => this.turn());
    this.running = run.catch((e: unknown) => this.deps.log.warn(`Account sync: ${(e as Error).message}`));
    return run;
  }

  dispose(): void {
    this.changed.dispose();
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async turn(): Promise<void> {
    const { vault } = this.deps;
    const localNow = new Set(vault.accounts().map(keyOf));
    // Accounts signed out of here since the last turn are forgotten everywhere's list too.
    if (this.known)
      for (const k of this.known)
        if (!localNow.has(k)) {
          const [provider, name] = k.split('\u0000');
          this.forgetNow.push({ provider, name, at: this.now() });
        }
    this.known = localNow;
    if (!this.deps.enabled()) {
      this.forgetNow.length = 0; // sign-outs while sync is off stay on this machine
      return this.show([]);
    }
    const read = readSynced(this.deps.state.get());
    if (read.state === 'newer') {
      this.deps.log.warn(
        `The synced account list was written by a newer Pi Accounts (format ${read.version}); it is left as it is until this one is updated.`,
      );
      return this.show([]);
    }
    if (read.state === 'garbage') this.deps.log.warn('The synced account list could not be read; it is written anew.');
    let list = read.state === 'ok' ? read.list : EMPTY;
    // Forgotten entries first, so a removed row does not come back through adoption below.
    list = merge(list, [], () => 0, this.forgetNow, this.now());
    // Reference accounts work here at once: their reference is all they need.
    for (const a of missingHere(list, (p, n) => vault.account(p, n) !== undefined)) {
      const credential = this.deps.knownProvider(a.provider) ? adoptable(a) : undefined;
      if (!credential) continue;
      try {
        await vault.add(a.provider, a.name, credential);
        if (a.baseUrl) await vault.setRequest(a.provider, a.name, { baseUrl: a.baseUrl });
        this.known.add(keyOf(a));
        this.deps.log.info(`Synced account added: ${a.provider}/${a.name} (key in a password manager).`);
      } catch (e) {
        this.deps.log.warn(`Could not add the synced account ${a.provider}/${a.name}: ${(e as Error).message}`);
      }
    }
    const at = this.now();
    const local = vault.accounts().map((a) => syncedOf(vault, a, at));
    const next = merge(
      list,
      local,
      (a) => vault.account(a.provider, a.name)?.createdAt ?? 0,
      this.forgetNow.splice(0),
      at,
      // Two machines with an account of the same name but other settings would otherwise each
      // write their own version on every turn. Replaced: what this machine wrote itself, or an
      // entry older than this machine's account.
      (old, mine) =>
        this.published.get(keyOf(old)) === JSON.stringify({ ...old, at: 0 }) ||
        (vault.account(mine.provider, mine.name)?.createdAt ?? 0) > old.at,
    );
    // Only this machine's own version counts as written by it (not another machine's kept entry).
    const ours = new Map(local.map((a) => [keyOf(a), JSON.stringify({ ...a, at: 0 })]));
    for (const a of next.accounts) {
      const text = JSON.stringify({ ...a, at: 0 });
      if (ours.get(keyOf(a)) === text) this.published.set(keyOf(a), text);
    }
    const value = serializeSynced(next, vault.secrets());
    const before = this.deps.state.get();
    const nothing = before === undefined && !next.accounts.length && !next.forgotten.length;
    if (!nothing && JSON.stringify(value) !== JSON.stringify(before)) {
      await this.deps.state.set(value);
      this.deps.log.info(
        `Synced account list written: ${next.accounts.length} account(s), ${next.forgotten.length} forgotten (names and settings only).`,
      );
    }
    this.show(
      missingHere(next, (p, n) => vault.account(p, n) !== undefined).filter((a) => this.deps.knownProvider(a.provider)),
    );
  }

  private show(missing: SyncedAccount[]): void {
    if (JSON.stringify(missing) === JSON.stringify(this.missing)) return;
    this.missing = missing;
    this.changed.fire();
  }
}
