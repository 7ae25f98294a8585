// Requests in flight per account, for the balancer: pi's (the companion reports each request's
// start and end) and the model bridge's own. In memory, per window: each window counts what is
// reported to it. A request whose end never comes (pi killed mid-stream) stops counting after
// STALE_MS, and every request of a pi that disconnects stops counting at once.

/** Longer than any model answer streams; a request still open after this is taken as gone. */
export const STALE_MS = 10 * 60_000;
/** At most this many requests are tracked; the oldest goes first (a flood never grows memory). */
export const MAX_TRACKED = 1000;

interface Open {
  readonly provider: string;
  readonly account: string;
  readonly owner: string;
  readonly at: number;
}

export class InFlight {
  private readonly open = new Map<string, Open>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A request started; `id` is unique per owner (a pi process, the model bridge). */
  start(provider: string, account: string, owner: string, id: string): void {
    this.open.delete(`${owner}\n${id}`);
    this.open.set(`${owner}\n${id}`, { provider, account, owner, at: this.now() });
    if (this.open.size > MAX_TRACKED) this.open.delete(this.open.keys().next().value as string);
  }

  /** The request ended (answered, failed or cancelled); returns its provider, if it was open. */
  end(owner: string, id: string): string | undefined {
    const o = this.open.get(`${owner}\n${id}`);
    this.open.delete(`${owner}\n${id}`);
    return o?.provider;
  }

  /** Everything of one owner ends (a pi that disconnected); returns the providers touched. */
  drop(owner: string): string[] {
    const touched = new Set<string>();
    for (const [k, o] of this.open)
      if (o.owner === owner) {
        this.open.delete(k);
        touched.add(o.provider);
      }
    return [...touched];
  }

  count(provider: string, account: string): number {
    const oldest = this.now() - STALE_MS;
    let n = 0;
    for (const [k, o] of this.open) {
      if (o.at < oldest) this.open.delete(k);
      else if (o.provider === provider && o.account === account) n++;
    }
    return n;
  }
}
