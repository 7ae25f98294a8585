// What rotation knows of one account when it decides (src/core/rotation/policy.ts) or balances
// (src/core/rotation/balancer.ts): its own file, so both import it without importing each other.
import { isLowBalance } from '../usage/balance';
import type { UsageSnapshot } from '../usage/usage-client';

export type RotationMode = 'manual' | 'round-robin' | 'usage-based' | 'balancer';

export interface Candidate {
  readonly name: string;
  readonly isDefault: boolean;
  readonly needsSignIn?: boolean;
  /** Disabled until the person acts (a disabled organisation, a used-up balance). */
  readonly disabled?: boolean;
  readonly usage?: UsageSnapshot;
  /** 0 … 1 (src/core/rotation/health.ts): breaks a tie in usage-based choice, weighs in the balancer. */
  readonly health?: number;
  /** Epoch ms until which the account rests (429, threshold, exhausted window). */
  readonly cooldownUntil?: number;
  /** Requests in flight with the account now (pi's, through the companion, and our own). */
  readonly inFlight?: number;
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

export const resting = (c: Candidate, now: number) => (c.cooldownUntil ?? 0) > now;
export const refused = (c: Candidate) => c.needsSignIn === true || c.disabled === true;
/** Neither resting nor waiting for the person: the account can take the next request. */
export const usable = (c: Candidate, now: number) => !refused(c) && !resting(c, now);
