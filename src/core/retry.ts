import { isFault } from './faults';

export interface RetryOptions {
  readonly attempts?: number;
  readonly baseMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Retries what may pass on its own (a fault marked `retryable`: network failures, which include
 * 5xx, and a credential another window changed meanwhile) with exponential backoff and jitter;
 * anything else, and the last failure, goes to the caller as it is.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 3;
  const base = opts.baseMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !isFault(e) || !e.retryable) throw e;
      await sleep(base * 2 ** (i - 1) * (0.75 + Math.random() * 0.5));
    }
  }
}
