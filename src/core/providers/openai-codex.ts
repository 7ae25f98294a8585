// OpenAI Codex (ChatGPT Plus/Pro): what Pi Accounts adds to pi-ai's provider, whose sign-in and
// refresh are pi-ai's own (@earendil-works/pi-ai 1.x dist/auth/oauth/openai-codex.js; its
// credential carries the ChatGPT account id): the subscription's usage figures.
import * as z from 'zod/mini';
import { saneTime } from '../time-bounds';
import type { HttpResponse } from '../http';
import {
  clampPercent,
  parseUsage,
  toEpochMs,
  usageClientFor,
  windowLabel,
  type UsageClient,
  type UsageSnapshot,
  type UsageWindow,
} from '../usage/usage-client';
import { BROWSER_OR_DEVICE, type ProviderAdditions } from './info';

// ChatGPT Plus/Pro (Codex) usage: GET /backend-api/wham/usage with the account id header.
// used_percent is a percentage; reset_at is unix seconds. Facts: pi-multi-auth
// 0.7.0 (github.com/MasuRii/pi-multi-auth), src/usage/codex.ts.
const windowSchema = z.nullish(
  z.object({ used_percent: z.number(), limit_window_seconds: z.nullish(z.number()), reset_at: z.nullish(z.number()) }),
);
const schema = z.object({
  plan_type: z.nullish(z.string()),
  rate_limit: z.nullish(
    z.object({ primary_window: windowSchema, secondary_window: windowSchema, limit_reached: z.nullish(z.boolean()) }),
  ),
});

const PLANS: Record<string, string> = {
  plus: 'ChatGPT Plus',
  pro: 'ChatGPT Pro',
  team: 'ChatGPT Team',
  enterprise: 'ChatGPT Enterprise',
};

/** The usage answer as a snapshot, or a UsageError. */
export function parseCodexUsage(res: HttpResponse, now: number): UsageSnapshot {
  const body = parseUsage(res, schema, 'ChatGPT usage', now);
  const windows: UsageWindow[] = [];
  for (const [w, fallback] of [
    [body.rate_limit?.primary_window, 'primary'],
    [body.rate_limit?.secondary_window, 'secondary'],
  ] as const) {
    if (!w) continue;
    const minutes = w.limit_window_seconds ? Math.round(w.limit_window_seconds / 60) : undefined;
    windows.push({
      label: windowLabel(minutes, fallback),
      usedPercent: clampPercent(w.used_percent),
      windowMinutes: minutes,
      resetsAt: w.reset_at ? saneTime(toEpochMs(w.reset_at), now) : undefined,
    });
  }
  // "limit reached" with no window at 100 % still means exhausted.
  if (body.rate_limit?.limit_reached && !windows.some((w) => w.usedPercent >= 100))
    windows.push({ label: 'limit', usedPercent: 100 });
  const plan = body.plan_type ? (PLANS[body.plan_type] ?? body.plan_type) : undefined;
  return { windows, plan, fetchedAt: now };
}

export const codexUsage = (o: { url?: string; now?: () => number } = {}): UsageClient =>
  usageClientFor(
    {
      provider: 'openai-codex',
      url: 'https://chatgpt.com/backend-api/wham/usage',
      headers: (c) => ({
        Authorization: `Bearer ${c.access}`,
        ...(typeof c.accountId === 'string' ? { 'ChatGPT-Account-Id': c.accountId } : {}),
      }),
      parse: parseCodexUsage,
    },
    o,
  );

/**
 * ChatGPT Plus/Pro subscriptions (pi's Codex provider), with usage figures. pi-ai's login asks
 * first: the browser (its default) or a device code for a headless machine (pi-ai 1.6.1
 * dist/auth/oauth/openai-codex.js); the picker says both.
 */
export const openaiCodex: ProviderAdditions = {
  id: 'openai-codex',
  signInHints: { browser: BROWSER_OR_DEVICE },
  usage: (url) => codexUsage({ url }),
};
