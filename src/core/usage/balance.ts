// Balances of API keys, where the provider reports one: read with the key itself, shown in the
// view and the Usage panel, and used by rotation (an exhausted balance disables the account until
// the person acts; a low one makes usage-based rotation prefer another account).
import * as z from 'zod/mini';
import { getJson, type HttpOptions, type HttpResponse } from '../http';
import { parseUsage, usageRequest, UsageError, type Balance, type UsageSnapshot } from './usage-client';

/** One per provider that reports a balance for an API key: fetches and parses, or throws a UsageError. */
export interface BalanceClient {
  readonly provider: string;
  fetch(key: string, http?: HttpOptions): Promise<UsageSnapshot>;
}

/** Below this much left (in the currency), a balance without a known total is low. */
const LOW_AMOUNT: Readonly<Record<string, number>> = { USD: 1, CNY: 7 };

/** Low: under a tenth of its total, or, without one, under about one US dollar. */
export function isLowBalance(b: Balance | undefined): boolean {
  if (!b || b.exhausted) return false;
  if (b.total !== undefined && b.total > 0) return b.remaining / b.total < 0.1;
  return b.remaining < (LOW_AMOUNT[b.currency] ?? 1);
}

/** "$4.90", "¥110.00", "3.50 EUR". */
export function money(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const n = Math.abs(amount).toFixed(2);
  return currency === 'USD' ? `${sign}$${n}` : currency === 'CNY' ? `${sign}¥${n}` : `${sign}${n} ${currency}`;
}

/** "$4.90 left of $5.00 (key limit)": the balance in words, for the tooltip and the panel. */
export function describeBalance(b: Balance): string {
  const of = b.total !== undefined ? ` of ${money(b.total, b.currency)}` : '';
  const left = b.exhausted
    ? `used up (${money(b.remaining, b.currency)}${of})`
    : `${money(b.remaining, b.currency)} left${of}`;
  return `${left}${b.detail ? ` (${b.detail})` : ''}`;
}

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

async function get(url: string, key: string, http: HttpOptions | undefined): Promise<HttpResponse> {
  return usageRequest(() => getJson(url, { timeoutMs: 10_000, ...http, headers: bearer(key) }));
}

// DeepSeek: GET https://api.deepseek.com/user/balance (bearer key). is_available says whether the
// balance can pay for calls; balance_infos has one entry per currency, amounts as strings.
// https://api-docs.deepseek.com/api/get-user-balance
const deepseekSchema = z.object({
  is_available: z.boolean(),
  balance_infos: z.array(
    z.object({
      currency: z.string(),
      total_balance: z.string(),
      granted_balance: z.optional(z.string()),
      topped_up_balance: z.optional(z.string()),
    }),
  ),
});

export function parseDeepseekBalance(res: HttpResponse, now: number): UsageSnapshot {
  const body = parseUsage(res, deepseekSchema, 'DeepSeek balance', now);
  // USD first when there are several currencies; an empty list is no balance at all.
  const info = body.balance_infos.find((b) => b.currency === 'USD') ?? body.balance_infos[0];
  const remaining = Number(info?.total_balance ?? 0);
  if (!Number.isFinite(remaining)) throw new UsageError('malformed', 'DeepSeek balance: the amount is not a number.');
  const granted = Number(info?.granted_balance ?? 0);
  return {
    windows: [],
    balance: {
      remaining,
      currency: info?.currency ?? 'CNY',
      exhausted: !body.is_available || remaining <= 0,
      detail: granted > 0 ? `${money(granted, info?.currency ?? 'CNY')} granted` : undefined,
    },
    fetchedAt: now,
  };
}

// Moonshot (Kimi's open platform): GET <base>/v1/users/me/balance (bearer key). available_balance
// is cash plus vouchers; at or below 0 the inference API refuses calls. USD on api.moonshot.ai,
// CNY on api.moonshot.cn (the answer names no currency). https://platform.moonshot.ai/docs/api/balance,
// https://platform.moonshot.cn/docs/api/balance
const moonshotSchema = z.object({
  data: z.object({ available_balance: z.number(), voucher_balance: z.number(), cash_balance: z.number() }),
});

export function parseMoonshotBalance(res: HttpResponse, now: number, currency: string): UsageSnapshot {
  const { data } = parseUsage(res, moonshotSchema, 'Moonshot balance', now);
  return {
    windows: [],
    balance: {
      remaining: data.available_balance,
      currency,
      exhausted: data.available_balance <= 0,
      detail: data.voucher_balance > 0 ? `${money(data.voucher_balance, currency)} in vouchers` : undefined,
    },
    fetchedAt: now,
  };
}

// OpenRouter: GET /api/v1/key describes the key the request carries: its spend limit and what is
// left of it (null: no limit). https://openrouter.ai/docs/api/api-reference/api-keys/get-current-key
// Without a limit, the account's credits: GET /api/v1/credits (total_credits - total_usage), which
// needs a management key; an inference key is refused there, and then no balance is shown.
// https://openrouter.ai/docs/api/api-reference/credits/get-credits
const openrouterKeySchema = z.object({
  data: z.object({
    limit: z.nullable(z.number()),
    limit_remaining: z.nullable(z.number()),
    usage: z.number(),
    is_free_tier: z.optional(z.boolean()),
  }),
});
const openrouterCreditsSchema = z.object({ data: z.object({ total_credits: z.number(), total_usage: z.number() }) });

export function openrouterBalance(o: { base?: string; now?: () => number } = {}): BalanceClient {
  const base = o.base ?? 'https://openrouter.ai/api/v1';
  const now = o.now ?? Date.now;
  return {
    provider: 'openrouter',
    async fetch(key, http) {
      const { data } = parseUsage(await get(`${base}/key`, key, http), openrouterKeySchema, 'OpenRouter key', now());
      if (data.limit !== null && data.limit_remaining !== null)
        return {
          windows: [],
          balance: {
            remaining: data.limit_remaining,
            currency: 'USD',
            exhausted: data.limit_remaining <= 0,
            total: data.limit,
            detail: 'key limit',
          },
          fetchedAt: now(),
        };
      const res = await get(`${base}/credits`, key, http);
      // Only a management key may read the account's credits: for an inference key the key's
      // own answer above is all there is (a key without a limit, spending the account's credits).
      if (res.status === 401 || res.status === 403) return { windows: [], fetchedAt: now() };
      const c = parseUsage(res, openrouterCreditsSchema, 'OpenRouter credits', now()).data;
      const remaining = c.total_credits - c.total_usage;
      return {
        windows: [],
        balance: { remaining, currency: 'USD', exhausted: remaining <= 0, total: c.total_credits, detail: 'credits' },
        fetchedAt: now(),
      };
    },
  };
}

/** A client for one GET endpoint whose answer `parse` reads. */
function single(
  provider: string,
  url: string,
  parse: (res: HttpResponse, now: number) => UsageSnapshot,
  o: { now?: () => number },
): BalanceClient {
  const now = o.now ?? Date.now;
  return { provider, fetch: async (key, http) => parse(await get(url, key, http), now()) };
}

export const deepseekBalance = (o: { base?: string; now?: () => number } = {}): BalanceClient =>
  single('deepseek', `${o.base ?? 'https://api.deepseek.com'}/user/balance`, parseDeepseekBalance, o);

export const moonshotBalance = (
  o: { provider?: string; base?: string; currency?: string; now?: () => number } = {},
): BalanceClient =>
  single(
    o.provider ?? 'moonshotai',
    `${o.base ?? 'https://api.moonshot.ai/v1'}/users/me/balance`,
    (res, now) => parseMoonshotBalance(res, now, o.currency ?? 'USD'),
    o,
  );
