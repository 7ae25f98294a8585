// Which account of a provider is in use: pure functions over accounts, usage and cooldowns, so
// every rule is a row in a table test. Every outlet (terminals, auth.json, sessions, models)
// gets the account in use (src/core/outlet.ts).
import type { UsageSnapshot } from '../usage/usage-client';
import { isLowBalance } from '../usage/balance';
import { isoTime } from '../time-bounds';

export type RotationMode = 'manual' | 'round-robin' | 'usage-based';

export interface Candidate {
  readonly name: string;
  readonly isDefault: boolean;
  readonly needsSignIn?: boolean;
  /** Disabled until the person acts (a disabled organisation, a used-up balance). */
  readonly disabled?: boolean;
  readonly usage?: UsageSnapshot;
  /** 0 … 1 (src/core/rotation/health.ts): breaks a tie in usage-based choice. */
  readonly health?: number;
  /** Epoch ms until which the account rests (429, threshold, exhausted window). */
  readonly cooldownUntil?: number;
}

export interface Decision {
  readonly active: string | undefined;
  /** Cooldowns to record (account → until), e.g. the active account that crossed the threshold. */
  readonly cooldowns: Readonly<Record<string, number>>;
  /** Why the active account is what it is; logged when it changes. */
  readonly reason: string;
  /** Every account is exhausted or resting: the one that resets first stays active. */
  readonly allExhausted: boolean;
}

/** The highest use over the account's windows; undefined without figures. */
export function usedPercent(usage: UsageSnapshot | undefined): number | undefined {
  if (!usage || usage.windows.length === 0) return undefined;
  return Math.max(...usage.windows.map((w) => w.usedPercent));
}

/**
 * How used up an account looks when usage-based rotation picks one: its highest window, and for an
 * API key with a balance, what is spent of its total (a low balance counts as 90 %, a used-up one
 * as 100 %), so a key that is running out is picked after the others.
 */
export function pickPercent(usage: UsageSnapshot | undefined): number | undefined {
  const windows = usedPercent(usage);
  const b = usage?.balance;
  if (!b) return windows;
  const spent = b.exhausted
    ? 100
    : Math.max(
        isLowBalance(b) ? 90 : 0,
        b.total ? Math.round(Math.min(100, Math.max(0, (1 - b.remaining / b.total) * 100))) : 0,
      );
  return Math.max(windows ?? 0, spent);
}

/** When an account over `threshold` has headroom again: the latest reset among its full windows. */
export function restUntil(usage: UsageSnapshot | undefined, threshold: number, now: number): number | undefined {
  const over = usage?.windows.filter((w) => w.usedPercent >= threshold) ?? [];
  if (over.length === 0) return undefined;
  const resets = over.map((w) => w.resetsAt ?? now + 60 * 60_000); // unknown reset: try again in an hour
  return Math.max(...resets);
}

const resting = (c: Candidate, now: number) => (c.cooldownUntil ?? 0) > now;
const refused = (c: Candidate) => c.needsSignIn === true || c.disabled === true;
/** Neither resting nor waiting for the person: the account can take the next request. */
export const usable = (c: Candidate, now: number) => !refused(c) && !resting(c, now);

/**
 * Decides the active account.
 * - manual: the default account, always; nothing switches by itself.
 * - round-robin: the current active account until it rests, then the next usable one in order.
 * - usage-based: the current one until it crosses `threshold` (it then rests until its window
 *   resets), then the usable account with the most headroom; equal headroom: the best health.
 * When nobody is usable, the account that becomes usable first stays active.
 */
export function decide(
  mode: RotationMode,
  threshold: number,
  candidates: readonly Candidate[],
  current: string | undefined,
  now: number,
): Decision {
  const fallback = candidates.find((c) => c.isDefault)?.name ?? candidates[0]?.name;
  if (mode === 'manual' || candidates.length === 0)
    return { active: fallback, cooldowns: {}, reason: 'the default account', allExhausted: false };

  const cooldowns: Record<string, number> = {};
  const list = candidates.map((c) => {
    if (mode !== 'usage-based' || resting(c, now)) return c;
    const until = restUntil(c.usage, threshold, now);
    if (until === undefined || until <= now) return c;
    cooldowns[c.name] = until;
    return { ...c, cooldownUntil: until };
  });
  const cur = list.find((c) => c.name === (current ?? fallback));
  if (cur && usable(cur, now))
    return { active: cur.name, cooldowns, reason: 'still has headroom', allExhausted: false };

  const ok = list.filter((c) => usable(c, now));
  if (ok.length === 0) {
    const signedIn = list.filter((c) => !refused(c));
    const first = [...(signedIn.length ? signedIn : list)].sort(
      (a, b) => (a.cooldownUntil ?? 0) - (b.cooldownUntil ?? 0),
    )[0];
    return {
      active: first.name,
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
    return { active: nextInTurn(list, cur?.name, now), cooldowns, reason: `${why}; next in turn`, allExhausted: false };
  }
  const best = [...ok].sort(
    (a, b) =>
      (pickPercent(a.usage) ?? 50) - (pickPercent(b.usage) ?? 50) ||
      (b.health ?? 0.5) - (a.health ?? 0.5) ||
      Number(b.isDefault) - Number(a.isDefault) ||
      a.name.localeCompare(b.name),
  )[0];
  return {
    active: best.name,
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
