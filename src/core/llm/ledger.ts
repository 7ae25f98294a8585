import * as z from 'zod/mini';

export interface LedgerPort {
  get(): unknown;
  set(value: unknown): PromiseLike<void> | void;
}

const schema = z.record(
  z.string(),
  z.object({
    day: z.string(),
    input: z.number(),
    output: z.number(),
    requests: z.number(),
    cached: z.optional(z.number()),
  }),
);
type Entries = z.infer<typeof schema>;

/** Tokens in and out per account for today, as the model bridge counted them (no secrets); `cached`: input read from the provider's prompt cache. */
export class UsageLedger {
  private entries: Entries;

  constructor(
    private readonly port: LedgerPort,
    private readonly today: () => string = () => new Date().toISOString().slice(0, 10),
  ) {
    const parsed = schema.safeParse(port.get());
    this.entries = parsed.success ? parsed.data : {};
  }

  add(provider: string, account: string, input: number, output: number, cached = 0): void {
    const id = `${provider}/${account}`;
    const day = this.today();
    const cur = this.entries[id]?.day === day ? this.entries[id] : { day, input: 0, output: 0, requests: 0 };
    this.entries[id] = {
      day,
      input: cur.input + input,
      output: cur.output + output,
      requests: cur.requests + 1,
      cached: (cur.cached ?? 0) + cached,
    };
    void this.port.set(this.entries);
  }

  forToday(
    provider: string,
    account: string,
  ): { input: number; output: number; requests: number; cached?: number } | undefined {
    const e = this.entries[`${provider}/${account}`];
    return e && e.day === this.today() ? e : undefined;
  }
}
