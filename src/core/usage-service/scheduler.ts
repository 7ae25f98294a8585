import * as z from 'zod/mini';
import { Emitter } from '../events';
import { UsageError, type UsageProblem, type UsageSnapshot } from '../usage/usage-client';

export interface UsageTarget {
  readonly provider: string;
  readonly account: string;
}

/** What the view and rotation know about one account's quota. Never holds a secret. */
export interface UsageEntry {
  readonly snapshot?: UsageSnapshot;
  readonly problem?: { readonly kind: UsageProblem | 'circuit-open'; readonly message: string; readonly at: number };
}

/** Where the cache survives a reload (globalState): ids and figures only. */
export interface UsageCachePort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

export interface SchedulerOptions {
  readonly fetch: (target: UsageTarget) => Promise<UsageSnapshot>;
  readonly concurrency?: number;
  /** An account is not asked again sooner than this, unless forced. */
  readonly minIntervalMs?: number;
  readonly breakerThreshold?: number;
  readonly breakerOpenMs?: number;
  readonly cache?: UsageCachePort;
  readonly now?: () => number;
}

const windowSchema = z.object({
  label: z.string(),
  usedPercent: z.number(),
  windowMinutes: z.optional(z.number()),
  resetsAt: z.optional(z.number()),
});
const entrySchema = z.object({
  snapshot: z.optional(
    z.object({
      windows: z.array(windowSchema),
      plan: z.optional(z.string()),
      balance: z.optional(
        z.object({
          remaining: z.number(),
          currency: z.string(),
          exhausted: z.boolean(),
          total: z.optional(z.number()),
          detail: z.optional(z.string()),
        }),
      ),
      fetchedAt: z.number(),
    }),
  ),
  problem: z.optional(z.object({ kind: z.string(), message: z.string(), at: z.number() })),
});
const cacheSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });

const idOf = (t: UsageTarget) => `${t.provider}/${t.account}`;

/** Same plan and windows; a reset time that moved by less than a minute (sent as "in N seconds") is the same. */
function sameFigures(a: UsageSnapshot, b: UsageSnapshot): boolean {
  const figures = (s: UsageSnapshot) =>
    JSON.stringify([
      s.plan,
      s.balance,
      s.windows.map((w) => [
        w.label,
        w.usedPercent,
        w.windowMinutes,
        w.resetsAt === undefined ? undefined : Math.round(w.resetsAt / 60_000),
      ]),
    ]);
  return figures(a) === figures(b);
}

function readCache(cache: UsageCachePort | undefined): Map<string, UsageEntry> {
  const cached = cacheSchema.safeParse(cache?.get());
  return new Map(cached.success ? (Object.entries(cached.data.entries) as [string, UsageEntry][]) : []);
}

/**
 * Fetches usage with bounded concurrency, a minimum interval per account, and a circuit breaker
 * per provider: an endpoint that keeps failing is left alone for a while instead of hammered.
 */
export class UsageScheduler {
  private loaded?: Map<string, UsageEntry>;
  private readonly lastAsked = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  /** Accounts whose figures pi's own answers brought: no poll for them until then (unless forced). */
  private readonly quietUntil = new Map<string, number>();
  private readonly breakers = new Map<string, { failures: number; openUntil: number }>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly changed = new Emitter<UsageTarget>('the usage figures');
  readonly onDidChange = this.changed.event;
  /** For tests and the benchmark. */
  readonly stats = { requests: 0, maxInFlight: 0 };
  private readonly now: () => number;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? Date.now;
  }

  /** The cache is read on first use, not in the constructor, which runs in `activate()`. */
  private get entries(): Map<string, UsageEntry> {
    return (this.loaded ??= readCache(this.o.cache));
  }

  entry(target: UsageTarget): UsageEntry | undefined {
    return this.entries.get(idOf(target));
  }

  /** Asks for every target that is due (all of them with `force`); resolves when all are done. */
  async refresh(targets: readonly UsageTarget[], opts: { force?: boolean } = {}): Promise<void> {
    await Promise.all(targets.map((t) => this.refreshOne(t, opts.force === true)));
    await this.persist();
  }

  /** Figures that came without asking (headers of pi's answers): no poll for `quietMs`. */
  observe(t: UsageTarget, snapshot: UsageSnapshot, quietMs: number): void {
    this.quietUntil.set(idOf(t), this.now() + quietMs);
    const before = this.entries.get(idOf(t));
    // Claude's and Codex's answers carry the figures on every request: only a change is saved
    // and announced (the view, the status bar and rotation follow the announcement).
    if (before?.snapshot && !before.problem && sameFigures(before.snapshot, snapshot)) {
      this.entries.set(idOf(t), { snapshot });
      return;
    }
    this.set(t, { snapshot });
    void this.persist();
  }

  forget(keep: readonly UsageTarget[]): void {
    const ids = new Set(keep.map(idOf));
    for (const id of [...this.entries.keys()]) if (!ids.has(id)) this.entries.delete(id);
    void this.persist();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private refreshOne(t: UsageTarget, force: boolean): Promise<void> {
    const id = idOf(t);
    const running = this.inflight.get(id);
    if (running) return running;
    const now = this.now();
    if (!force && now - (this.lastAsked.get(id) ?? -Infinity) < (this.o.minIntervalMs ?? 60_000))
      return Promise.resolve();
    if (now < (this.notBefore.get(id) ?? 0)) return Promise.resolve();
    if (!force && now < (this.quietUntil.get(id) ?? 0)) return Promise.resolve();
    const breaker = this.breakers.get(t.provider);
    if (breaker && now < breaker.openUntil) {
      this.set(t, {
        ...this.entries.get(id),
        problem: {
          kind: 'circuit-open',
          message: `Usage for ${t.provider} failed ${breaker.failures} times in a row; not asking again until ${new Date(breaker.openUntil).toLocaleTimeString()}.`,
          at: now,
        },
      });
      return Promise.resolve();
    }
    const run = this.limited(() => this.fetchNow(t)).finally(() => this.inflight.delete(id));
    this.inflight.set(id, run);
    return run;
  }

  private async fetchNow(t: UsageTarget): Promise<void> {
    const id = idOf(t);
    this.lastAsked.set(id, this.now());
    this.stats.requests++;
    try {
      const snapshot = await this.o.fetch(t);
      this.breakers.delete(t.provider);
      this.set(t, { snapshot });
    } catch (e) {
      const err = e instanceof UsageError ? e : new UsageError('network', (e as Error).message);
      if (err.retryAt) this.notBefore.set(id, err.retryAt);
      // Only failures of the endpoint count against it: a refused token is the account's problem.
      if (err.problem !== 'unauthorized' && err.problem !== 'forbidden') {
        const b = this.breakers.get(t.provider) ?? { failures: 0, openUntil: 0 };
        b.failures++;
        if (b.failures >= (this.o.breakerThreshold ?? 3)) b.openUntil = this.now() + (this.o.breakerOpenMs ?? 120_000);
        this.breakers.set(t.provider, b);
      }
      // The last good figure stays, marked with what went wrong since.
      this.set(t, {
        snapshot: this.entries.get(id)?.snapshot,
        problem: { kind: err.problem, message: err.message, at: this.now() },
      });
    }
  }

  private set(t: UsageTarget, entry: UsageEntry): void {
    this.entries.set(idOf(t), entry);
    this.changed.fire(t);
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing request hands its slot straight to the next waiter, so a newcomer can never
    // slip in between and exceed the limit.
    if (this.running >= (this.o.concurrency ?? 4)) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.running);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private async persist(): Promise<void> {
    await this.o.cache?.set({ version: 1, entries: Object.fromEntries(this.entries) });
  }
}
