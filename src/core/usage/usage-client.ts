import * as z from 'zod/mini';
import type { OAuthCredential } from '../credentials';
import { Fault, isFault } from '../faults';
import { getJson, type HttpOptions, type HttpResponse } from '../http';
import { saneDelay, saneTime } from '../time-bounds';

/** One quota window, normalised across providers. */
export interface UsageWindow {
  /** Short label for the view: "5h", "7d", "month", "chat"… */
  readonly label: string;
  /** 0–100, rounded and clamped. */
  readonly usedPercent: number;
  readonly windowMinutes?: number;
  /** Epoch ms. */
  readonly resetsAt?: number;
}

/** What an API key has left to spend, where the provider reports it (src/core/usage/balance.ts). */
export interface Balance {
  /** Left to spend, in `currency`. */
  readonly remaining: number;
  /** "USD", "CNY". */
  readonly currency: string;
  /** The provider refuses requests now (no credits left, a key's spend limit reached). */
  readonly exhausted: boolean;
  /** What `remaining` is a part of, when there is such a cap (a key's spend limit, credits bought). */
  readonly total?: number;
  /** What the figure is, in words: "key limit", "credits", "10.00 granted". */
  readonly detail?: string;
}

export interface UsageSnapshot {
  readonly windows: readonly UsageWindow[];
  readonly plan?: string;
  /** API keys: the balance the provider reports for the key's account. */
  readonly balance?: Balance;
  readonly fetchedAt: number;
}

/** Why there is no fresh figure; each is shown to the person as it is, never a crash. */
export type UsageProblem = 'unauthorized' | 'forbidden' | 'rate-limited' | 'server-error' | 'malformed' | 'network';

const NEXT_STEP: Readonly<Record<UsageProblem, string>> = {
  unauthorized: 'Sign in to this account again to see its usage.',
  forbidden: 'This account may not have a plan that reports usage.',
  'rate-limited': 'Pi Accounts asks again after the wait the provider asked for.',
  'server-error': 'Pi Accounts tries again later.',
  malformed: 'The provider may have changed its usage answer; see the "Pi Accounts" log.',
  network: 'Check your connection and proxy settings (http.proxy), then refresh the quota.',
};

/** A usage figure that could not be had: a Fault like any other, with the provider's problem. */
export class UsageError extends Fault {
  constructor(
    readonly problem: UsageProblem,
    message: string,
    /** Epoch ms before which asking again is pointless (Retry-After). */
    readonly retryAt?: number,
  ) {
    super('usage', message, NEXT_STEP[problem]);
    this.name = `UsageError(${problem})`;
  }
}

/** One per provider that exposes usage: fetches and parses, or throws a UsageError. */
export interface UsageClient {
  readonly provider: string;
  fetch(credential: OAuthCredential, http?: HttpOptions): Promise<UsageSnapshot>;
}

export const clampPercent = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

/** PMA's rule: timestamps up to 1e12 are seconds. */
export const toEpochMs = (t: number) => (t <= 1e12 ? t * 1000 : t);

const header = (res: HttpResponse, name: string) => {
  const raw = res.headers[name];
  return Array.isArray(raw) ? raw[0] : raw;
};

/**
 * When a rate-limited account may ask again, as epoch ms: Retry-After (seconds or an HTTP date),
 * else the providers' reset headers (Anthropic's RFC 3339 time; x-ratelimit-reset as relative
 * seconds, or an epoch in seconds or ms, which is what Copilot sends). A time outside
 * `saneTime`'s range is unknown (undefined), so the caller's default rest applies.
 */
export function retryAfter(res: HttpResponse, now: number): number | undefined {
  const after = header(res, 'retry-after');
  if (after) {
    const seconds = Number(after);
    if (after.trim() !== '' && !Number.isNaN(seconds)) {
      const ms = saneDelay(seconds * 1000);
      return ms === undefined ? undefined : now + ms;
    }
    return saneTime(Date.parse(after), now);
  }
  const anthropic = header(res, 'anthropic-ratelimit-requests-reset');
  if (anthropic) return saneTime(Date.parse(anthropic), now);
  const reset = Number(header(res, 'x-ratelimit-reset-requests') ?? header(res, 'x-ratelimit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  return reset < 1e9 ? saneTime(now + reset * 1000, now) : saneTime(toEpochMs(reset), now);
}

/** The status of a usage answer as a typed error, or the body parsed by `schema`. */
export function parseUsage<T>(res: HttpResponse, schema: z.ZodMiniType<T>, what: string, now: number): T {
  if (res.status === 401) throw new UsageError('unauthorized', `${what}: the token was refused (401).`);
  if (res.status === 403) throw new UsageError('forbidden', `${what}: access denied (403).`);
  if (res.status === 429)
    throw new UsageError('rate-limited', `${what}: too many requests (429).`, retryAfter(res, now));
  if (res.status >= 500)
    throw new UsageError('server-error', `${what}: the server answered ${res.status}.`, retryAfter(res, now));
  const parsed = schema.safeParse(res.json);
  if (res.status !== 200 || !parsed.success)
    throw new UsageError('malformed', `${what}: the answer (status ${res.status}) is not in the expected shape.`);
  return parsed.data;
}

/** "5h", "7d", "30d" from a window length. */
export function windowLabel(minutes: number | undefined, fallback: string): string {
  if (!minutes) return fallback;
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** Transport failures become a usage problem like any other answer; cancellation stays as it is. */
export async function usageRequest<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isFault(e, 'aborted')) throw e;
    throw new UsageError('network', isFault(e) ? e.message : 'the request failed');
  }
}

/** What differs between the providers' usage endpoints; `usageClient` does the rest. */
export interface UsageEndpoint {
  readonly provider: string;
  /** The endpoint, or the account's own (a GitHub Enterprise account's API host). */
  readonly url: string | ((credential: OAuthCredential) => string);
  headers(credential: OAuthCredential): Record<string, string>;
  parse(res: HttpResponse, now: number): UsageSnapshot;
}

/** A usage client for `endpoint`; `url` and `now` are for tests (an emulator, a fixed clock). */
export function usageClientFor(endpoint: UsageEndpoint, o: { url?: string; now?: () => number } = {}): UsageClient {
  const now = o.now ?? Date.now;
  return {
    provider: endpoint.provider,
    async fetch(credential, http) {
      const url = o.url ?? (typeof endpoint.url === 'function' ? endpoint.url(credential) : endpoint.url);
      const res = await usageRequest(() =>
        getJson(url, { timeoutMs: 10_000, ...http, headers: endpoint.headers(credential) }),
      );
      return endpoint.parse(res, now());
    },
  };
}
