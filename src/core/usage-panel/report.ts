// What the Usage panel shows, computed without vscode: per provider and account, the usage
// windows with their reset times, the plan, rest periods, health, and today's tokens through the
// language models. Pure, so it is tested as it is (test/unit/usage-panel.test.ts).
import { isExhausted, isStale } from '../usage-service/format';
import type { UsageEntry } from '../usage-service/scheduler';
import { findProvider } from '../providers/directory';
import type { AccountInfo } from '../vault';
import type { Balance } from '../usage/usage-client';
import { isLowBalance } from '../usage/balance';
import { inViewOrder } from '../words';

export interface TokensToday {
  readonly input: number;
  readonly output: number;
  readonly requests: number;
  readonly cached?: number;
}

export interface AccountUsage {
  readonly name: string;
  readonly kind: AccountInfo['kind'];
  readonly inUse: boolean;
  readonly plan?: string;
  readonly windows: readonly { readonly label: string; readonly usedPercent: number; readonly resetsAt?: number }[];
  /** Epoch ms until which rotation leaves the account alone (a 429, or a full window). */
  readonly restingUntil?: number;
  /** An API key's balance, where the provider reports one; `low` when rotation prefers other accounts. */
  readonly balance?: Balance & { readonly low: boolean };
  /** Whether the provider reports a balance for this API key at all (read or not yet). */
  readonly balanceKnown?: boolean;
  /** One word for its state, worst first: needs sign-in, exhausted, no balance, resting, usage unavailable, stale, ok. */
  readonly health: 'needs sign-in' | 'exhausted' | 'no balance' | 'resting' | 'usage unavailable' | 'stale' | 'ok';
  readonly problem?: string;
  readonly fetchedAt?: number;
  readonly tokensToday?: TokensToday;
  /** The last seven days, oldest first (today last); undefined or all zeros: no requests this week. */
  readonly week?: readonly WeekDay[];
}

export interface WeekDay {
  /** "2026-12-06" (UTC, the ledger's days). */
  readonly day: string;
  readonly tokens: TokensToday;
}

export interface ProviderUsage {
  readonly id: string;
  readonly label: string;
  readonly accounts: readonly AccountUsage[];
}

export interface UsageSources {
  readonly accounts: readonly AccountInfo[];
  readonly inUse: (provider: string) => string | undefined;
  readonly usage: (provider: string, account: string) => UsageEntry | undefined;
  readonly cooldown: (provider: string, account: string) => number | undefined;
  readonly tokens: (provider: string, account: string) => TokensToday | undefined;
  /** The last seven days' tokens, oldest first. */
  readonly week?: (provider: string, account: string) => readonly WeekDay[];
  readonly now: number;
}

/** Every account, grouped by provider, in the view's order. */
export function usageReport(s: UsageSources): ProviderUsage[] {
  const byProvider = new Map<string, AccountUsage[]>();
  for (const a of inViewOrder(s.accounts)) {
    const q = s.usage(a.provider, a.name);
    const resting = s.cooldown(a.provider, a.name);
    const health: AccountUsage['health'] = a.needsSignIn
      ? 'needs sign-in'
      : isExhausted(q?.snapshot)
        ? 'exhausted'
        : q?.snapshot?.balance?.exhausted
          ? 'no balance'
          : resting !== undefined && resting > s.now
            ? 'resting'
            : q?.problem
              ? 'usage unavailable'
              : isStale(q, s.now)
                ? 'stale'
                : 'ok';
    const list = byProvider.get(a.provider) ?? [];
    list.push({
      name: a.name,
      kind: a.kind,
      inUse: s.inUse(a.provider) === a.name,
      plan: q?.snapshot?.plan,
      windows: q?.snapshot?.windows ?? [],
      balance: q?.snapshot?.balance && { ...q.snapshot.balance, low: isLowBalance(q.snapshot.balance) },
      balanceKnown: a.kind === 'api_key' && !a.baseUrl && findProvider(a.provider)?.balance !== undefined,
      restingUntil: resting !== undefined && resting > s.now ? resting : undefined,
      health,
      problem: q?.problem?.message,
      fetchedAt: q?.snapshot?.fetchedAt,
      tokensToday: s.tokens(a.provider, a.name),
      week: s.week?.(a.provider, a.name),
    });
    byProvider.set(a.provider, list);
  }
  return [...byProvider].map(([id, accounts]) => ({ id, label: findProvider(id)?.label ?? id, accounts }));
}
