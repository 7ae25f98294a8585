// Anthropic: what Pi Accounts adds to pi-ai's provider (its Claude Pro/Max sign-in and refresh are
// pi-ai's own, @earendil-works/pi-ai 1.x dist/auth/oauth/anthropic.js): the subscription's usage
// figures, the key page and key check, and the variables subscription tokens go out under.
import * as z from 'zod/mini';
import { saneTime } from '../time-bounds';
import type { HttpResponse } from '../http';
import {
  clampPercent,
  parseUsage,
  usageClientFor,
  type UsageClient,
  type UsageSnapshot,
  type UsageWindow,
} from '../usage/usage-client';
import type { ProviderAdditions } from './info';

// Claude Pro/Max usage: GET /api/oauth/usage with the OAuth token and the oauth beta header.
// utilization is already a percentage; resets_at is ISO. Facts: pi-multi-auth 0.7.0
// (github.com/MasuRii/pi-multi-auth), src/usage/anthropic.ts.
const windowSchema = z.nullish(z.object({ utilization: z.nullish(z.number()), resets_at: z.nullish(z.string()) }));
const schema = z.object({ five_hour: windowSchema, seven_day: windowSchema });

/** The usage answer as a snapshot, or a UsageError. */
export function parseAnthropicUsage(res: HttpResponse, now: number): UsageSnapshot {
  const body = parseUsage(res, schema, 'Claude usage', now);
  const windows: UsageWindow[] = [];
  const add = (label: string, minutes: number, w: z.infer<typeof windowSchema>) => {
    if (w && typeof w.utilization === 'number')
      windows.push({
        label,
        usedPercent: clampPercent(w.utilization),
        windowMinutes: minutes,
        resetsAt: w.resets_at ? saneTime(Date.parse(w.resets_at), now) : undefined,
      });
  };
  add('5h', 300, body.five_hour);
  add('7d', 10080, body.seven_day);
  return { windows, fetchedAt: now };
}

export const anthropicUsage = (o: { url?: string; now?: () => number } = {}): UsageClient =>
  usageClientFor(
    {
      provider: 'anthropic',
      url: 'https://api.anthropic.com/api/oauth/usage',
      headers: (c) => ({ Authorization: `Bearer ${c.access}`, 'anthropic-beta': 'oauth-2025-04-20' }),
      parse: parseAnthropicUsage,
    },
    o,
  );

/** API keys, and Claude Pro/Max subscriptions signed in through the browser (with usage figures). */
export const anthropic: ProviderAdditions = {
  id: 'anthropic',
  exportVar: 'ANTHROPIC_API_KEY',
  oauthExportVar: 'ANTHROPIC_OAUTH_TOKEN',
  subscriptionKey: /sk-ant-oat/,
  baseUrlVar: 'ANTHROPIC_BASE_URL',
  keyUrl: 'https://console.anthropic.com/settings/keys',
  signInLabels: { browser: 'Claude Pro/Max' },
  keyCheck: { wire: 'anthropic', baseUrl: 'https://api.anthropic.com' },
  usage: (url) => anthropicUsage({ url }),
};
