// Health per account, from the outcomes rotation sees (pi's answers through the companion, rests
// from every source). A pure function over the last answers and rests, and a small bounded book
// that keeps them per account in memory (per window: health is a hint, not state to share).
//
// The formula (as pi-multi-auth 0.7 weighs it, https://github.com/MasuRii/pi-multi-auth,
// src/health-scorer.ts; documented in README.md, "Quota and rotation"):
//
//   score = 0.4 · success + 0.2 · speed + 0.2 · uptime + 0.2 · recovery          (0 … 1)
//   success  = answers that succeeded / answers, over the last HEALTH_WINDOW answers
//   speed    = 1 − median latency of those successes / LATENCY_CEILING_MS (clamped to 0 … 1)
//   uptime   = 1 − time spent resting in the last UPTIME_WINDOW_MS / UPTIME_WINDOW_MS
//   recovery = successes in a row since the last failure, up to RECOVERY_STREAK, / RECOVERY_STREAK
//
// A part with nothing to go on (no answers yet, no latency reported) counts 0.5, so an account
// nobody used sits between a good and a bad one. Answers that failed through the request's own
// fault (context too long, invalid request) say nothing about the account and are not counted.

export const HEALTH_WINDOW = 50;
export const LATENCY_CEILING_MS = 30_000;
export const UPTIME_WINDOW_MS = 24 * 3_600_000;
export const RECOVERY_STREAK = 10;
export const WEIGHTS = { success: 0.4, speed: 0.2, uptime: 0.2, recovery: 0.2 } as const;

export interface Outcome {
  readonly at: number;
  readonly ok: boolean;
  /** Time to the answer's headers, when the reporter measured it. */
  readonly ms?: number;
}

export interface Rest {
  readonly from: number;
  readonly until: number;
}

export interface Health {
  /** 0 … 1, see the formula above. */
  readonly score: number;
  readonly answers: number;
  readonly succeeded: number;
  readonly medianMs?: number;
  /** Share of the last UPTIME_WINDOW_MS spent resting, 0 … 1. */
  readonly resting: number;
  /** Successes in a row since the last failure. */
  readonly streak: number;
}

const clamp = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);

function median(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The health of one account from its answers (oldest first) and rests, at `now`. */
export function health(outcomes: readonly Outcome[], rests: readonly Rest[], now: number): Health {
  const last = outcomes.slice(-HEALTH_WINDOW);
  const ok = last.filter((o) => o.ok);
  const medianMs = median(ok.flatMap((o) => (o.ms !== undefined && o.ms >= 0 ? [o.ms] : [])));
  let streak = 0;
  for (let i = last.length - 1; i >= 0 && last[i].ok; i--) streak++;
  const start = now - UPTIME_WINDOW_MS;
  // Rests may overlap (a rest extended by a later failure): count each moment once.
  let rested = 0;
  let covered = start;
  for (const r of [...rests].sort((a, b) => a.from - b.from)) {
    const from = Math.max(r.from, covered);
    const until = Math.min(r.until, now);
    if (until > from) rested += until - from;
    covered = Math.max(covered, Math.min(r.until, now));
  }
  const resting = clamp(rested / UPTIME_WINDOW_MS);
  const parts = {
    success: last.length ? ok.length / last.length : 0.5,
    speed: medianMs !== undefined ? clamp(1 - medianMs / LATENCY_CEILING_MS) : 0.5,
    uptime: 1 - resting,
    recovery: last.length ? Math.min(streak, RECOVERY_STREAK) / RECOVERY_STREAK : 0.5,
  };
  const score = clamp(
    WEIGHTS.success * parts.success +
      WEIGHTS.speed * parts.speed +
      WEIGHTS.uptime * parts.uptime +
      WEIGHTS.recovery * parts.recovery,
  );
  return { score, answers: last.length, succeeded: ok.length, medianMs, resting, streak };
}

/** The answers and rests of each account, bounded: HEALTH_WINDOW answers, rests of the last day. */
export class HealthBook {
  private readonly books = new Map<string, { outcomes: Outcome[]; rests: Rest[] }>();

  constructor(private readonly now: () => number = Date.now) {}

  answered(provider: string, account: string, o: Outcome): void {
    const b = this.book(provider, account);
    b.outcomes.push(o);
    if (b.outcomes.length > HEALTH_WINDOW * 2) b.outcomes.splice(0, b.outcomes.length - HEALTH_WINDOW);
  }

  rested(provider: string, account: string, r: Rest): void {
    const b = this.book(provider, account);
    const cutoff = this.now() - UPTIME_WINDOW_MS;
    b.rests = b.rests.filter((x) => x.until > cutoff);
    b.rests.push(r);
  }

  /** Undefined for an account nothing was seen of yet. */
  of(provider: string, account: string): Health | undefined {
    const b = this.books.get(`${provider}/${account}`);
    return b ? health(b.outcomes, b.rests, this.now()) : undefined;
  }

  private book(provider: string, account: string) {
    const id = `${provider}/${account}`;
    let b = this.books.get(id);
    if (!b) this.books.set(id, (b = { outcomes: [], rests: [] }));
    return b;
  }
}

/** "Health 82 %: 47 of 50 answers, median 1.2 s, resting 3 % of the last day, 12 in a row". */
export function describeHealth(h: Health): string {
  const parts = [
    `${h.succeeded} of ${h.answers} answer${h.answers === 1 ? '' : 's'} succeeded`,
    h.medianMs !== undefined ? `median ${(h.medianMs / 1000).toFixed(1)} s` : undefined,
    `resting ${Math.round(h.resting * 100)} % of the last day`,
    `${h.streak} in a row`,
  ];
  return `Health ${Math.round(h.score * 100)} %: ${parts.filter(Boolean).join(', ')}`;
}
