import * as z from 'zod/mini';

export interface LedgerPort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

/** Tokens of one account on one day (UTC), as the model bridge counted them. */
export interface DayTokens {
  readonly input: number;
  readonly output: number;
  readonly requests: number;
  /** Input read from the provider's prompt cache. */
  readonly cached?: number;
}

const daySchema = z.object({
  input: z.number(),
  output: z.number(),
  requests: z.number(),
  cached: z.optional(z.number()),
});
// Per account: its days. The first version kept one day per account ({ day, input, … }): read as
// a history of that one day.
const entrySchema = z.union([
  z.object({ days: z.record(z.string(), daySchema) }),
  z.object({
    day: z.string(),
    input: z.number(),
    output: z.number(),
    requests: z.number(),
    cached: z.optional(z.number()),
  }),
]);
const schema = z.record(z.string(), entrySchema);
type Days = Record<string, DayTokens>;

/** Days kept per account: a week, today included. */
export const LEDGER_DAYS = 7;
const DAY_MS = 86_400_000;

/** The `n` days up to and including `today` ("2026-12-06"), oldest first. */
export function lastDays(today: string, n: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

/**
 * Tokens in and out per account and day, as the model bridge counted them (no secrets), for the
 * last week: today's for the view's tooltip, the week's for the Usage panel's chart.
 */
export class UsageLedger {
  private readonly entries = new Map<string, Days>();

  constructor(
    private readonly port: LedgerPort,
    private readonly today: () => string = () => new Date().toISOString().slice(0, 10),
  ) {
    const parsed = schema.safeParse(port.get());
    for (const [id, e] of Object.entries(parsed.success ? parsed.data : {})) {
      if ('days' in e) this.entries.set(id, e.days);
      else
        this.entries.set(id, {
          [e.day]: { input: e.input, output: e.output, requests: e.requests, cached: e.cached },
        });
    }
  }

  add(provider: string, account: string, input: number, output: number, cached = 0): void {
    const id = `${provider}/${account}`;
    const day = this.today();
    const days = this.entries.get(id) ?? {};
    const cur = days[day] ?? { input: 0, output: 0, requests: 0 };
    days[day] = {
      input: cur.input + input,
      output: cur.output + output,
      requests: cur.requests + 1,
      cached: (cur.cached ?? 0) + cached,
    };
    // Older days than a week are dropped as the new ones come.
    const keep = new Set(lastDays(day, LEDGER_DAYS));
    for (const d of Object.keys(days)) if (!keep.has(d)) delete days[d];
    this.entries.set(id, days);
    void this.port.set(Object.fromEntries([...this.entries].map(([k, v]) => [k, { days: v }])));
  }

  forToday(provider: string, account: string): DayTokens | undefined {
    return this.entries.get(`${provider}/${account}`)?.[this.today()];
  }

  /** The last seven days up to today, oldest first; a day without requests is zeros. */
  week(provider: string, account: string): { readonly day: string; readonly tokens: DayTokens }[] {
    const days = this.entries.get(`${provider}/${account}`) ?? {};
    return lastDays(this.today(), LEDGER_DAYS).map((day) => ({
      day,
      tokens: days[day] ?? { input: 0, output: 0, requests: 0 },
    }));
  }
}
