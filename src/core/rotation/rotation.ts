import { messageOf } from '../faults';
import * as z from 'zod/mini';
import { parseJson } from '../json';
import { clampUntil, isoTime } from '../time-bounds';
import { Emitter } from '../events';
import type { Logger } from '../log';
import type { UsageEntry } from '../usage-service/scheduler';
import type { SecretStore } from '../secret-store';
import type { AccountInfo, Vault } from '../vault';
import { decide, nextInTurn, type Candidate, type RotationMode } from './policy';
import { HealthBook, type Health } from './health';
import { DEFAULT_MAX_IN_FLIGHT, ranked, type Weighed } from './balancer';
import { InFlight } from './in-flight';
import { describeRest, noBalance, restMs, type DisabledCause, type Failure, type FailureClass } from './cooldown';

/** Why an account rests or waits for the person, for the view's tooltip. */
export interface AccountHold {
  readonly until?: number;
  readonly reason: string;
  /** Disabled until the person acts: what it is and what fixes it. */
  readonly cause?: DisabledCause;
  readonly action?: string;
}

/** Which account of a provider is in use. Every outlet asks this (src/core/outlet.ts). */
export interface InUseAccounts {
  inUse(provider: string): AccountInfo | undefined;
}

export interface RotationSettings {
  mode(provider: string): RotationMode;
  /** Percent used at which usage-based rotation moves on. */
  threshold(): number;
  /** At most this many automatic switches per provider in any hour (the guardrail); 0: no limit. */
  maxSwitchesPerHour?(): number;
  /** Balancer mode: requests in flight per key before the next goes to another account (default 1). */
  maxInFlightPerAccount?(): number;
}

export interface InUseChange {
  readonly provider: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly reason: string;
  /** Set the first time every account of the provider is exhausted. */
  readonly allExhausted: boolean;
  /** Something the person should read (a notification), besides the log line. */
  readonly notice?: string;
  /**
   * The person made it (chosen by hand, the mode became manual): every pi session follows it.
   * Rotation's own switches leave it unset, and a pi session may keep its account (sticky sessions).
   */
  readonly byHand?: boolean;
}

/** Shared per provider: the active account and cooldowns (names and times only). */
const stateSchema = z.record(
  z.string(),
  z.object({
    active: z.optional(z.string()),
    cooldowns: z.record(z.string(), z.number()),
    exhaustedTold: z.optional(z.boolean()),
    /**
     * Manual mode: the account kept in use because the default was resting (or refused) when the
     * mode became manual; it stays until it is the default (set right after) or is chosen away.
     */
    held: z.optional(z.string()),
    /** When the last automatic switches happened (epoch ms, the last hour's only): the guardrail. */
    switches: z.optional(z.array(z.number())),
    /** Until when the person was told that the guardrail holds the account in use. */
    limitTold: z.optional(z.number()),
    /** Why each account rests (the same keys as `cooldowns`). */
    why: z.optional(z.record(z.string(), z.string())),
    /** Failures of one class in a row per account, for the rests that grow (transient, weekly). */
    strikes: z.optional(z.record(z.string(), z.object({ class: z.string(), n: z.number() }))),
    /** Accounts disabled until the person acts (a disabled organisation, a used-up balance). */
    disabled: z.optional(
      z.record(
        z.string(),
        z.object({
          cause: z.enum(['refused-key', 'organisation-disabled', 'no-balance']),
          reason: z.string(),
          action: z.string(),
        }),
      ),
    ),
  }),
);
type State = z.infer<typeof stateSchema>;

// In secret storage, like the vault, not in globalState: every window must agree on the active
// account, or two windows would take turns rewriting auth.json with their own choice.
export const ROTATION_KEY = 'piAccounts.rotation.v1';

export type UsageLookup = (provider: string, account: string) => UsageEntry | undefined;

export interface RotationDeps {
  readonly vault: Vault;
  readonly settings: RotationSettings;
  /**
   * Usage per account. Usage is fetched with keys this rotation picks: the lookup is called only
   * when rotation decides, so it may read a usage service built after the rotation (src/core/accounts.ts).
   */
  readonly usage?: UsageLookup;
  readonly store: SecretStore;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Keeps the active account of each provider, switching when the policy says so, and says why. */
export class Rotation implements InUseAccounts {
  private state: State;
  private readonly changed = new Emitter<InUseChange>('the account in use');
  readonly onDidChange = this.changed.event;
  private readonly now: () => number;

  private saved: string | undefined;
  private readonly usage: UsageLookup;
  /** Answers and rests per account, for health (this window's own view; not shared). */
  private readonly book: HealthBook;
  /** The mode each provider had at its last evaluation: a change to manual is acted on once. */
  private readonly modes = new Map<string, RotationMode>();
  /** Requests in flight per account (pi's and the model bridge's), for the balancer. */
  private readonly flying: InFlight;

  constructor(private readonly deps: RotationDeps) {
    this.now = deps.now ?? Date.now;
    this.state = {};
    this.usage = deps.usage ?? (() => undefined);
    this.book = new HealthBook(this.now);
    this.flying = new InFlight(this.now);
  }

  /**
   * A request started with the account (`owner`: "pi 4711", "bridge"; `id` unique per owner).
   * In balancer mode the account in use is decided again: a busy one may hand on.
   */
  started(provider: string, account: string, owner: string, id: string): void {
    this.flying.start(provider, account, owner, id);
    if (this.deps.settings.mode(provider) === 'balancer') this.evaluate(provider);
  }

  /** The request ended (answered, failed, cancelled). */
  ended(owner: string, id: string): void {
    const provider = this.flying.end(owner, id);
    if (provider && this.deps.settings.mode(provider) === 'balancer') this.evaluate(provider);
  }

  /** Every request of `owner` ended (a pi that disconnected). */
  ownerGone(owner: string): void {
    for (const provider of this.flying.drop(owner))
      if (this.deps.settings.mode(provider) === 'balancer') this.evaluate(provider);
  }

  inFlightOf(provider: string, account: string): number {
    return this.flying.count(provider, account);
  }

  /**
   * In balancer mode, the usable accounts in the order the next request should try them, best
   * first (the model bridge's requests); undefined in the other modes.
   */
  balanced(provider: string): Weighed[] | undefined {
    if (this.deps.settings.mode(provider) !== 'balancer') return undefined;
    return ranked(this.candidates(provider), this.limit(), this.now());
  }

  private limit(): number {
    return this.deps.settings.maxInFlightPerAccount?.() ?? DEFAULT_MAX_IN_FLIGHT;
  }

  /** The account's health from what this window saw of it; undefined before any answer or rest. */
  healthOf(provider: string, account: string): Health | undefined {
    return this.book.of(provider, account);
  }

  /** Reads the shared state; call once, and again when another window wrote it (`watch`). */
  async load(): Promise<void> {
    const raw = await this.deps.store.get(ROTATION_KEY);
    if (raw === this.saved) return;
    const before = new Map(this.deps.vault.providers().map((p) => [p, this.inUse(p)?.name]));
    const parsed = stateSchema.safeParse(parseJson(raw));
    this.state = parsed.success ? parsed.data : {};
    this.saved = raw;
    for (const [provider, from] of before) {
      const to = this.inUse(provider)?.name;
      if (to !== from)
        this.changed.fire({ provider, from, to, reason: 'chosen in another window', allExhausted: false });
    }
  }

  /** Reloads when another window wrote the accounts in use; `failed` hears why it could not. */
  watch(failed: (e: unknown) => void = () => undefined): { dispose(): void } {
    return this.deps.store.onDidChange((key) => {
      if (key === ROTATION_KEY) void this.load().catch(failed);
    });
  }

  /** On every key request: index lookups only, nothing allocated. */
  inUse(provider: string): AccountInfo | undefined {
    const s = this.state[provider];
    const name = this.deps.settings.mode(provider) === 'manual' ? s?.held : s?.active;
    return (
      (name !== undefined ? this.deps.vault.account(provider, name) : undefined) ?? this.deps.vault.inUse(provider)
    );
  }

  /** Epoch ms until which the account rests, if it does. */
  cooldownOf(provider: string, account: string): number | undefined {
    const until = this.state[provider]?.cooldowns[account];
    return until !== undefined && until > this.now() ? until : undefined;
  }

  /** Re-decides every provider (or one): call after usage, accounts or settings changed. */
  evaluate(provider?: string): void {
    const providers = provider ? [provider] : this.deps.vault.providers();
    let dirty = false;
    for (const id of Object.keys(this.state)) {
      if (!this.deps.vault.providers().includes(id)) {
        delete this.state[id];
        dirty = true;
      }
    }
    for (const p of providers) dirty = this.evaluateOne(p) || dirty;
    if (dirty) void this.save();
  }

  /** Why the account rests or waits for the person, if it does. */
  holdOf(provider: string, account: string): AccountHold | undefined {
    const s = this.state[provider];
    const off = s?.disabled?.[account];
    if (off) return { reason: off.reason, cause: off.cause, action: off.action };
    const until = this.cooldownOf(provider, account);
    return until !== undefined ? { until, reason: s?.why?.[account] ?? 'rate-limited' } : undefined;
  }

  /**
   * A failed answer for the account, classified (src/core/rotation/cooldown.ts): it rests for its
   * class's time, or waits for the person (disabled), or nothing happens (the request's fault).
   * A failure while the account already rests for the same class is the same episode: the rests
   * that grow (transient, weekly) grow once per episode. Returns until when it rests.
   */
  failed(provider: string, account: string, f: Failure, why: string): number | undefined {
    const s = this.entry(provider);
    // The request's own fault says nothing about the account.
    if (f.class !== 'request') this.book.answered(provider, account, { at: this.now(), ok: false });
    if (f.class === 'disabled' && f.cause !== 'refused-key') {
      (s.disabled ??= {})[account] = { cause: f.cause!, reason: f.reason, action: f.action! };
      this.deps.log.warn(`${provider}/${account} is disabled until you act: ${f.reason} (${why}). ${f.action}`);
      const active = this.inUse(provider)?.name;
      this.changed.fire({
        provider,
        from: active,
        to: active,
        reason: `${account} is disabled until you act`,
        allExhausted: false,
        notice: `${provider} account "${account}" is disabled until you act: ${f.reason}. ${f.action}`,
      });
      this.evaluate(provider);
      void this.save();
      return undefined;
    }
    const before = s.strikes?.[account];
    const same = before?.class === f.class;
    const episode = same && this.cooldownOf(provider, account) !== undefined;
    const strike = same ? (episode ? before.n : before.n + 1) : 1;
    const ms = restMs(f, strike);
    if (ms === undefined) return undefined;
    (s.strikes ??= {})[account] = { class: f.class satisfies FailureClass, n: strike };
    const until = this.now() + ms;
    this.cooldown(provider, account, until, `${describeRest(f, ms)}; ${why}`);
    return until;
  }

  /**
   * The provider reported the account's balance: used up, the account is disabled until the
   * person acts (as a 402 would); credits again, a hold for no balance ends by itself.
   */
  balanceRead(provider: string, account: string, exhausted: boolean): void {
    const off = this.state[provider]?.disabled;
    const was = off?.[account];
    if (exhausted) {
      if (!was) this.failed(provider, account, noBalance(), 'the provider reports the balance used up');
      return;
    }
    if (!off || was?.cause !== 'no-balance') return;
    delete off[account];
    this.deps.log.info(`${provider}/${account} has a balance again: no longer disabled.`);
    this.evaluate(provider);
    void this.save();
  }

  /**
   * A successful answer with the account: its failures in a row start again from one, and a
   * disabled account that answers is usable again. Cheap when there is nothing to undo: it runs
   * on every answer pi reports.
   */
  succeeded(provider: string, account: string, ms?: number): void {
    this.book.answered(provider, account, { at: this.now(), ok: true, ms });
    const s = this.state[provider];
    if (!s?.strikes?.[account] && !s?.disabled?.[account]) return;
    delete s.strikes?.[account];
    const was = s.disabled?.[account];
    if (was) {
      delete s.disabled![account];
      this.deps.log.info(`${provider}/${account} answered again: no longer disabled (${was.reason}).`);
      this.evaluate(provider);
    }
    void this.save();
  }

  /** A 429 (or Retry-After) seen by one of our own requests: the account rests until `until`. */
  cooldown(provider: string, account: string, until: number, why: string): void {
    const s = this.entry(provider);
    // Whoever computed `until` (a header, a body, a report), a rest never ends before now nor
    // lasts longer than the longest quota window; an absurd one would set a rest of aeons.
    until = clampUntil(until, this.now());
    if (until > (s.cooldowns[account] ?? 0)) (s.why ??= {})[account] = why;
    this.book.rested(provider, account, { from: this.now(), until });
    s.cooldowns[account] = Math.max(s.cooldowns[account] ?? 0, until);
    this.deps.log.info(`${provider}/${account} rests until ${isoTime(until)}: ${why}.`);
    this.evaluate(provider);
    void this.save(); // also when nothing switched (manual mode): the view and other windows show the rest
  }

  /** By hand: this account becomes the active one (in manual mode, the default). */
  async use(provider: string, account: string): Promise<void> {
    if (this.deps.settings.mode(provider) === 'manual') {
      const s = this.entry(provider);
      if ((s.held !== undefined && s.held !== account) || s.disabled?.[account]) {
        if (s.held !== account) delete s.held;
        delete s.disabled?.[account]; // choosing it is the act "disabled until you act" waits for
        await this.save();
      }
      await this.deps.vault.setInUse(provider, account);
      return;
    }
    const s = this.entry(provider);
    delete s.cooldowns[account]; // the person's choice wins over a rest we imposed
    delete s.disabled?.[account]; // and over "disabled until you act": this is the act
    this.switchTo(provider, account, 'chosen by hand', false, true);
    await this.save();
  }

  /** By hand: the next usable account in order after the active one. */
  async next(provider: string): Promise<string | undefined> {
    const name = nextInTurn(this.candidates(provider), this.inUse(provider)?.name, this.now());
    if (name) await this.use(provider, name);
    return name;
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async save(): Promise<void> {
    const text = JSON.stringify(this.state);
    this.saved = text;
    await this.deps.store
      .store(ROTATION_KEY, text)
      .catch((e: unknown) => this.deps.log.warn(`Could not save the active accounts: ${messageOf(e)}`));
  }

  private evaluateOne(provider: string): boolean {
    const before = JSON.stringify(this.state[provider]);
    const s = this.entry(provider);
    const mode = this.deps.settings.mode(provider);
    const was = this.modes.get(provider);
    this.modes.set(provider, mode);
    if (mode === 'manual' && was !== undefined && was !== 'manual') this.becameManual(provider, s);
    else if (mode !== 'manual') delete s.held;
    if (s.held !== undefined) {
      const held = this.deps.vault.account(provider, s.held);
      if (!held || held.needsSignIn || held.isDefault) delete s.held;
    }
    const d = decide(
      mode,
      this.deps.settings.threshold(),
      this.candidates(provider),
      this.inUse(provider)?.name,
      this.now(),
      this.limit(),
    );
    for (const [name, until] of Object.entries(d.cooldowns))
      s.cooldowns[name] = Math.max(s.cooldowns[name] ?? 0, until);
    for (const [name, until] of Object.entries(s.cooldowns))
      if (until <= this.now()) {
        delete s.cooldowns[name];
        delete s.why?.[name];
      }
    const tell = d.allExhausted && !s.exhaustedTold;
    s.exhaustedTold = d.allExhausted;
    const current = this.inUse(provider);
    let active = d.inUse;
    if (mode !== 'manual' && active !== current?.name) {
      if (current && this.limited(provider, s, current)) active = current.name;
      else {
        if (current && active !== undefined && !current.needsSignIn && !s.disabled?.[current.name])
          (s.switches ??= []).push(this.now());
        this.switchTo(provider, active, d.reason, tell);
      }
    } else if (tell) this.changed.fire({ provider, from: active, to: active, reason: d.reason, allExhausted: true });
    if (mode !== 'manual') s.active = active;
    return JSON.stringify(this.state[provider]) !== before;
  }

  /**
   * The guardrail: at most `maxSwitchesPerHour` automatic switches per provider in any hour, so
   * a bad hour never hops accounts request by request (providers see that as abuse:
   * https://github.com/ndycode/codex-multi-auth/issues/495). Moving away from an account that
   * cannot be used at all (refused, disabled) is not held back. Told once per hold.
   */
  private limited(provider: string, s: State[string], current: AccountInfo): boolean {
    const max = this.deps.settings.maxSwitchesPerHour?.() ?? 0;
    const hour = this.now() - 3_600_000;
    if (s.switches) s.switches = s.switches.filter((t) => t > hour);
    if (!max || current.needsSignIn || s.disabled?.[current.name]) return false;
    const recent = s.switches ?? [];
    if (recent.length < max) return false;
    const free = recent[recent.length - max] + 3_600_000;
    if ((s.limitTold ?? 0) < this.now()) {
      s.limitTold = free;
      const why = `${max} automatic switch${max === 1 ? '' : 'es'} in the last hour (piAccounts.rotation.maxSwitchesPerHour)`;
      this.deps.log.warn(
        `${provider}: ${current.name} stays in use although it rests: ${why}; the next automatic switch is possible at ${new Date(free).toISOString()}.`,
      );
      this.changed.fire({
        provider,
        from: current.name,
        to: current.name,
        reason: `switch limit: ${why}`,
        allExhausted: false,
        notice: `Pi Accounts switched ${provider} accounts ${max} time${max === 1 ? '' : 's'} in the last hour and keeps "${current.name}" for now (piAccounts.rotation.maxSwitchesPerHour). Use "Next Account" to switch by hand.`,
      });
    }
    return true;
  }

  /**
   * The mode just became manual, where the default account is the one in use. The account in use
   * until now stays in use when the default cannot be used (it rests or was refused): a mode
   * change never moves pi and the terminals onto an account that would fail. It becomes the
   * default, so manual mode keeps it; otherwise the default comes back into use, said in the log.
   */
  private becameManual(provider: string, s: State[string]): void {
    const def = this.deps.vault.inUse(provider);
    const current = s.active !== undefined ? this.deps.vault.account(provider, s.active) : undefined;
    if (!def || !current || current.name === def.name) return;
    const resting = this.cooldownOf(provider, def.name);
    const blocked = def.needsSignIn
      ? `${def.name} (the default) needs a new sign-in`
      : resting !== undefined
        ? `${def.name} (the default) rests until ${new Date(resting).toISOString()}`
        : undefined;
    if (blocked && !current.needsSignIn) {
      s.held = current.name;
      const why = `rotation is now manual; ${current.name} stays in use because ${blocked}, and becomes the default`;
      this.deps.log.info(`Active ${provider} account stays ${current.name}: ${why}.`);
      this.changed.fire({
        provider,
        from: current.name,
        to: current.name,
        reason: why,
        allExhausted: false,
        notice: `Rotation is now manual. ${current.name} stays in use: ${blocked}. ${current.name} is now the default account.`,
        byHand: true,
      });
      void this.deps.vault
        .setInUse(provider, current.name)
        .catch((e: unknown) => this.deps.log.warn(`Could not make ${current.name} the default: ${messageOf(e)}`));
      return;
    }
    const why = `rotation is now manual: the default account${blocked ? `, although ${blocked}` : ''}`;
    this.deps.log.info(`Active ${provider} account: ${current.name} → ${def.name} (${why}).`);
    this.changed.fire({ provider, from: current.name, to: def.name, reason: why, allExhausted: false, byHand: true });
  }

  private switchTo(
    provider: string,
    to: string | undefined,
    reason: string,
    allExhausted: boolean,
    byHand = false,
  ): void {
    const from = this.inUse(provider)?.name;
    this.entry(provider).active = to;
    // Choosing by hand the account already in use still moves every pi session onto it (sticky
    // sessions may hold another key after rotation's own switches).
    if (from === to && byHand) {
      this.deps.log.info(`Active ${provider} account: ${to ?? '(none)'} stays (${reason}); every pi session uses it.`);
      this.changed.fire({ provider, from, to, reason, allExhausted, byHand });
      return;
    }
    if (from === to) return;
    this.deps.log.info(`Active ${provider} account: ${from ?? '(none)'} → ${to ?? '(none)'} (${reason}).`);
    this.changed.fire({ provider, from, to, reason, allExhausted, ...(byHand ? { byHand } : {}) });
  }

  private candidates(provider: string): Candidate[] {
    const cooldowns = this.state[provider]?.cooldowns ?? {};
    return this.deps.vault
      .accounts(provider)
      .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name))
      .map((a) => ({
        name: a.name,
        isDefault: a.isDefault,
        needsSignIn: a.needsSignIn,
        disabled: this.state[provider]?.disabled?.[a.name] !== undefined,
        health: this.book.of(provider, a.name)?.score,
        usage: this.usage(provider, a.name)?.snapshot,
        cooldownUntil: cooldowns[a.name],
        inFlight: this.flying.count(provider, a.name),
      }));
  }

  private entry(provider: string) {
    return (this.state[provider] ??= { cooldowns: {} });
  }
}
