// Which account of a provider is in use: pure functions over accounts, usage and cooldowns, so
// every rule is a row in a table test. Every outlet (terminals, auth.json, sessions, models)
// gets the account in use (src/core/outlet.ts).
import type { UsageSnapshot } from '../usage/usage-client';
import { isoTime } from '../time-bounds';

import { pickPercent, refused, resting, usable, usedPercent, type Candidate, type RotationMode } from './candidate';
import { DEFAULT_MAX_IN_FLIGHT, pick } from './balancer';

export { pickPercent, usable, usedPercent, type Candidate, type RotationMode };

export interface Decision {
  readonly inUse: string | undefined;
  /** Cooldowns to record (account → until), e.g. the active account that crossed the threshold. */
  readonly cooldowns: Readonly<Record<string, number>>;
  /** Why the active account is what it is; logged when it changes. */
  readonly reason: string;
  /** Every account is exhausted or resting: the one that resets first stays active. */
  readonly allExhausted: boolean;
}

/** When an account over `threshold` has headroom again: the latest reset among its full windows. */
export function restUntil(usage: UsageSnapshot | undefined, threshold: number, now: number): number | undefined {
  const over = usage?.windows.filter((w) => w.usedPercent >= threshold) ?? [];
  if (over.length === 0) return undefined;
  const resets = over.map((w) => w.resetsAt ?? now + 60 * 60_000); // unknown reset: try again in an hour
  return Math.max(...resets);
}

/**
 * Decides the active account.
 * - manual: the default account, always; nothing switches by itself.
 * - round-robin: the current active account until it rests, then the next usable one in order.
 * - usage-based: the current one until it crosses `threshold` (it then rests until its window
 *   resets), then the usable account with the most headroom; equal headroom: the best health.
 * - balancer: like usage-based for the threshold; the current one while it has fewer than `limit`
 *   requests in flight (or every usable account has as many), else the balancer's pick
 *   (src/core/rotation/balancer.ts: headroom × 1/(in flight + 1) × health).
 * When nobody is usable, the account that becomes usable first stays active.
 */
export function decide(
  mode: RotationMode,
  threshold: number,
  candidates: readonly Candidate[],
  current: string | undefined,
  now: number,
  limit = DEFAULT_MAX_IN_FLIGHT,
): Decision {
  const fallback = candidates.find((c) => c.isDefault)?.name ?? candidates[0]?.name;
  if (mode === 'manual' || candidates.length === 0)
    return { inUse: fallback, cooldowns: {}, reason: 'the default account', allExhausted: false };

  const cooldowns: Record<string, number> = {};
  const list = candidates.map((c) => {
    if ((mode !== 'usage-based' && mode !== 'balancer') || resting(c, now)) return c;
    const until = restUntil(c.usage, threshold, now);
    if (until === undefined || until <= now) return c;
    cooldowns[c.name] = until;
    return { ...c, cooldownUntil: until };
  });
  const cur = list.find((c) => c.name === (current ?? fallback));
  if (mode === 'balancer' && cur && usable(cur, now)) {
    const best = pick(list, limit, now);
    // Moves only off an account over its limit (a request came while it was full: the slot in
    // auth.json serves the next one), and only to one that is not as busy. A request counts
    // itself in flight from its start, so at the limit is the normal state of one pi working:
    // moving then would switch on every request and lose the prompt cache each time.
    if (!best || best.name === cur.name || (cur.inFlight ?? 0) <= limit || best.inFlight >= (cur.inFlight ?? 0))
      return { inUse: cur.name, cooldowns, reason: 'still has headroom', allExhausted: false };
    return {
      inUse: best.name,
      cooldowns,
      reason: `${cur.name} has ${cur.inFlight ?? 0} request(s) in flight (limit ${limit}); ${best.name} weighs most (${best.weight.toFixed(2)}, ${best.inFlight} in flight)`,
      allExhausted: false,
    };
  }
  if (cur && usable(cur, now)) return { inUse: cur.name, cooldowns, reason: 'still has headroom', allExhausted: false };

  const ok = list.filter((c) => usable(c, now));
  if (ok.length === 0) {
    const signedIn = list.filter((c) => !refused(c));
    const first = [...(signedIn.length ? signedIn : list)].sort(
      (a, b) => (a.cooldownUntil ?? 0) - (b.cooldownUntil ?? 0),
    )[0];
    return {
      inUse: first.name,
      cooldowns,
      reason: 'every account is exhausted; this one resets first',
      allExhausted: true,
    };
  }
  const why = cur
    ? cur.needsSignIn
      ? `${cur.name} needs a new sign-in`
      : cur.disabled
        ? `${cur.name} is disabled until you act`
        : `${cur.name} is resting${cur.cooldownUntil ? ` until ${isoTime(cur.cooldownUntil)}` : ''}`
    : 'no account was active';
  if (mode === 'round-robin') {
    return { inUse: nextInTurn(list, cur?.name, now), cooldowns, reason: `${why}; next in turn`, allExhausted: false };
  }
  if (mode === 'balancer') {
    const best = pick(list, limit, now)!; // `ok` is not empty: pick finds one of them
    return {
      inUse: best.name,
      cooldowns,
      reason: `${why}; ${best.name} weighs most (${best.weight.toFixed(2)}, ${best.inFlight} in flight)`,
      allExhausted: false,
    };
  }
  const best = [...ok].sort(
    (a, b) =>
      (pickPercent(a.usage) ?? 50) - (pickPercent(b.usage) ?? 50) ||
      (b.health ?? 0.5) - (a.health ?? 0.5) ||
      Number(b.isDefault) - Number(a.isDefault) ||
      a.name.localeCompare(b.name),
  )[0];
  return {
    inUse: best.name,
    cooldowns,
    reason: `${why}; ${best.name} has the most headroom (${pickPercent(best.usage) ?? '?'} % used${best.health !== undefined ? `, health ${Math.round(best.health * 100)} %` : ''})`,
    allExhausted: false,
  };
}

/** The next usable account after `after`, wrapping around (Next Account; round-robin when the one in use rests). */
export function nextInTurn(
  candidates: readonly Candidate[],
  after: string | undefined,
  now: number,
): string | undefined {
  const start = candidates.findIndex((c) => c.name === after);
  return [...candidates.slice(start + 1), ...candidates.slice(0, start + 1)].find((c) => usable(c, now))?.name;
}
