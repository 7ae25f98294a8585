// Times read from a server's headers or body (Retry-After, reset times, rate-limit windows) are
// numbers a stranger chose: `retry-after: 1e13` or a reset of 1e300 must not become a rest of
// ~1e289 years, nor a `RangeError: Invalid time value` from `toISOString()` (JavaScript dates end
// at ±8.64e15 ms, ECMA-262 §21.4.1.1). What is outside a sane range counts as "unknown".

/**
 * The furthest ahead a rest or a reset may lie. The longest window any provider reports is a
 * month (Copilot's monthly quota, https://docs.github.com/en/copilot/concepts/billing); 35 days
 * leaves room for a month and a few days of clock skew.
 */
export const MAX_AHEAD_MS = 35 * 24 * 60 * 60_000;

/** A reset may lie this far in the past (a slow clock, a window that just reset); older is nonsense. */
const MAX_BEHIND_MS = 24 * 60 * 60_000;

/** A delay in ms (Retry-After, a reset "in N seconds"): finite, ≥ 0 and at most MAX_AHEAD_MS, else undefined. */
export function saneDelay(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= MAX_AHEAD_MS ? ms : undefined;
}

/** An epoch time in ms (a reset, an HTTP date) within a day behind and MAX_AHEAD_MS ahead of `now`, else undefined. */
export function saneTime(at: number | undefined, now: number): number | undefined {
  return at !== undefined && Number.isFinite(at) && at >= now - MAX_BEHIND_MS && at <= now + MAX_AHEAD_MS
    ? at
    : undefined;
}

/** `until` bounded to [now, now + MAX_AHEAD_MS]: what a rest may be, whoever computed it. */
export const clampUntil = (until: number, now: number): number =>
  Number.isFinite(until) ? Math.min(Math.max(until, now), now + MAX_AHEAD_MS) : now;

/** An ISO time for the log that never throws: "an unknown time" for what is not a date. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'an unknown time' : d.toISOString();
}
