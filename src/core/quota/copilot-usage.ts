// GitHub Copilot quota: GET api.github.com/copilot_internal/user with the GitHub token and the
// editor headers. Paid plans report premium interactions; free/limited plans report chat and
// completion counts (PMA scales the free totals: chat 500 → 50, completions 4000 → 2000).
// Facts: pi-multi-auth 0.7.0 (github.com/MasuRii/pi-multi-auth), src/usage/copilot.ts.
import * as z from 'zod/mini';
import type { HttpResponse } from '../http';
import { COPILOT_HEADERS } from '../oauth/github-copilot';
import { clampPercent, parseUsage, usageClientFor, type UsageClient, type UsageSnapshot, type UsageWindow } from './usage';

const schema = z.object({
  copilot_plan: z.nullish(z.string()),
  access_type_sku: z.nullish(z.string()),
  quota_reset_date: z.nullish(z.string()),
  limited_user_reset_date: z.nullish(z.string()),
  limited_user_quotas: z.nullish(z.object({ chat: z.nullish(z.number()), completions: z.nullish(z.number()) })),
  monthly_quotas: z.nullish(z.object({ chat: z.nullish(z.number()), completions: z.nullish(z.number()) })),
  quota_snapshots: z.nullish(
    z.object({
      premium_interactions: z.nullish(z.object({ entitlement: z.nullish(z.number()), remaining: z.nullish(z.number()), percent_remaining: z.nullish(z.number()), unlimited: z.nullish(z.boolean()) })),
    }),
  ),
});

/** The quota answer as a snapshot, or a UsageError. */
export function parseCopilotUsage(res: HttpResponse, now: number): UsageSnapshot {
  const body = parseUsage(res, schema, 'Copilot quota', now);
  const windows: UsageWindow[] = [];
  const limited = body.limited_user_quotas;
  if (limited && typeof limited.chat === 'number') {
    const resetsAt = body.limited_user_reset_date ? Date.parse(body.limited_user_reset_date) || undefined : undefined;
    const bucket = (label: string, remaining: number | null | undefined, total: number | null | undefined, scale: [number, number]) => {
      if (typeof remaining !== 'number' || !total) return;
      const t = total === scale[0] ? total / scale[1] : total;
      windows.push({ label, usedPercent: clampPercent(((t - remaining) / t) * 100), resetsAt });
    };
    bucket('chat', limited.chat, body.monthly_quotas?.chat, [500, 10]);
    bucket('completions', limited.completions, body.monthly_quotas?.completions, [4000, 2]);
  } else {
    const premium = body.quota_snapshots?.premium_interactions;
    if (premium && !premium.unlimited && typeof premium.percent_remaining === 'number') {
      windows.push({ label: 'month', usedPercent: clampPercent(100 - premium.percent_remaining), resetsAt: body.quota_reset_date ? Date.parse(body.quota_reset_date) || undefined : undefined });
    }
  }
  const plan = body.copilot_plan ?? body.access_type_sku ?? (body.quota_snapshots?.premium_interactions?.unlimited ? 'Copilot Unlimited' : undefined);
  return { windows, plan: plan ?? undefined, fetchedAt: now };
}

// This endpoint takes the GitHub token (stored as `refresh`), as "token <t>".
export const copilotUsage = (o: { url?: string; now?: () => number } = {}): UsageClient =>
  usageClientFor({ provider: 'github-copilot', url: 'https://api.github.com/copilot_internal/user', headers: (c) => ({ ...COPILOT_HEADERS, Authorization: `token ${c.refresh}` }), parse: parseCopilotUsage }, o);
