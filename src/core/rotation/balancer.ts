// The balancer: which account takes the next request, as pi-multi-auth 0.7 weighs it
// (https://github.com/MasuRii/pi-multi-auth, src/balancer/): a pure function over the
// candidates, their usage, health and requests in flight, so every rule is a property test.
//
//   weight = headroom × 1 / (in flight + 1) × health
//   headroom = 1 − the highest use over the account's windows (0 … 1; unknown: 0.5)
//   health   = src/core/rotation/health.ts's score (0 … 1; unknown: 0.5)
//
// Never an account that rests, needs a sign-in or is disabled; never one with `limit` requests
// in flight while another has fewer; the highest weight wins, ties go to fewer in flight, then
// the default account, then the name (a deterministic pick: the same state, the same account).
import { pickPercent, usable, type Candidate } from './candidate';

/** Requests in flight per key by default: one, as pi-multi-auth keeps it. */
export const DEFAULT_MAX_IN_FLIGHT = 1;
/** What a part with nothing to go on counts (as health.ts does). */
const UNKNOWN = 0.5;

export interface Weighed {
  readonly name: string;
  readonly weight: number;
  readonly inFlight: number;
}

/** The account's headroom, 0 … 1. */
export function headroomOf(c: Candidate): number {
  const used = pickPercent(c.usage);
  return used === undefined ? UNKNOWN : Math.min(1, Math.max(0, (100 - used) / 100));
}

export function weightOf(c: Candidate): number {
  const health = c.health === undefined ? UNKNOWN : Math.min(1, Math.max(0, c.health));
  return (headroomOf(c) * health) / ((c.inFlight ?? 0) + 1);
}

/**
 * The account for the next request, or undefined when none is usable. `limit`: requests in
 * flight per key (at least 1); a key at its limit is taken only when every usable key is.
 */
export function pick(candidates: readonly Candidate[], limit: number, now: number): Weighed | undefined {
  return ranked(candidates, limit, now)[0];
}

/** Every usable account, best first (the model bridge tries them in this order). */
export function ranked(candidates: readonly Candidate[], limit: number, now: number): Weighed[] {
  const max = Math.max(1, Math.floor(limit));
  return candidates
    .filter((c) => usable(c, now))
    .map((c) => ({ c, free: (c.inFlight ?? 0) < max, weight: weightOf(c) }))
    .sort(
      (a, b) =>
        Number(b.free) - Number(a.free) ||
        b.weight - a.weight ||
        (a.c.inFlight ?? 0) - (b.c.inFlight ?? 0) ||
        Number(b.c.isDefault) - Number(a.c.isDefault) ||
        a.c.name.localeCompare(b.c.name),
    )
    .map(({ c, weight }) => ({ name: c.name, weight, inFlight: c.inFlight ?? 0 }));
}
