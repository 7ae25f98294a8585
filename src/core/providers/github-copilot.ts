// GitHub Copilot: what Pi Accounts adds to pi-ai's provider, whose device sign-in (with the
// Enterprise question) and Copilot token exchange are pi-ai's own (@earendil-works/pi-ai 1.x
// dist/auth/oauth/github-copilot.js: `refresh` is the GitHub token, `access` the Copilot token):
// quota figures, enabling the account's models after sign-in, the host a token names.
import * as z from 'zod/mini';
import { saneTime } from '../time-bounds';
import { describe, Fault } from '../faults';
import { getJson, postJson, type HttpOptions, type HttpResponse } from '../http';
import type { OAuthCredential } from '../oauth/provider';
import {
  clampPercent,
  parseUsage,
  usageClientFor,
  type UsageClient,
  type UsageSnapshot,
  type UsageWindow,
} from '../usage/usage-client';
import type { ProviderAdditions } from './info';

export const COPILOT_HEADERS = {
  'User-Agent': 'GitHubCopilotChat/0.35.0',
  'Editor-Version': 'vscode/1.107.0',
  'Editor-Plugin-Version': 'copilot-chat/0.35.0',
  'Copilot-Integration-Id': 'vscode-chat',
};

/** "company.ghe.com", "https://company.ghe.com/x" → "company.ghe.com"; blank → undefined (github.com). */
export function normalizeDomain(input: string): string | undefined {
  const problem = domainProblem(input);
  if (problem)
    throw new Fault('oauth', problem, 'Enter a host such as company.ghe.com, or leave it blank for github.com.');
  const text = input.trim();
  return text ? new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`).hostname : undefined;
}

// A host name's labels (RFC 1123 §2.1): letters, digits and inner hyphens, dot-separated.
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Why the text is not a GitHub Enterprise host, for the input box as it is typed; blank is fine. */
export function domainProblem(input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return `"${text}" is not a host name.`;
  }
  if (!HOST.test(url.hostname)) return `"${text}" is not a host name: letters, digits, "-" and dots only.`;
  // The device flow and the Copilot API are reached on the host's standard HTTPS port; a port
  // given here would be ignored, so it is refused rather than dropped silently.
  if (url.port) return `A port (":${url.port}") cannot be used: enter the host only, e.g. ${url.hostname}.`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `"${url.protocol}" is not a web address: enter the host, e.g. company.ghe.com.`;
  return undefined;
}

/** The API base pi derives from the token's proxy-ep (proxy.x → https://api.x). */
export function copilotBaseUrl(copilotToken: string, enterpriseDomain?: string): string {
  const proxy = /(?:^|;)\s*proxy-ep=([^;\s]+)/.exec(copilotToken)?.[1];
  if (proxy) return `https://${proxy.replace(/^proxy\./, 'api.')}`;
  return enterpriseDomain ? `https://copilot-api.${enterpriseDomain}` : 'https://api.individual.githubcopilot.com';
}

// GitHub Copilot quota: GET api.github.com/copilot_internal/user with the GitHub token and the
// editor headers. Paid plans report premium interactions; free/limited plans report chat and
// completion counts (PMA scales the free totals: chat 500 → 50, completions 4000 → 2000).
// Facts: pi-multi-auth 0.7.0 (github.com/MasuRii/pi-multi-auth), src/usage/copilot.ts.
const schema = z.object({
  copilot_plan: z.nullish(z.string()),
  access_type_sku: z.nullish(z.string()),
  quota_reset_date: z.nullish(z.string()),
  limited_user_reset_date: z.nullish(z.string()),
  limited_user_quotas: z.nullish(z.object({ chat: z.nullish(z.number()), completions: z.nullish(z.number()) })),
  monthly_quotas: z.nullish(z.object({ chat: z.nullish(z.number()), completions: z.nullish(z.number()) })),
  quota_snapshots: z.nullish(
    z.object({
      premium_interactions: z.nullish(
        z.object({
          entitlement: z.nullish(z.number()),
          remaining: z.nullish(z.number()),
          percent_remaining: z.nullish(z.number()),
          unlimited: z.nullish(z.boolean()),
        }),
      ),
    }),
  ),
});

/** The quota answer as a snapshot, or a UsageError. */
export function parseCopilotUsage(res: HttpResponse, now: number): UsageSnapshot {
  const body = parseUsage(res, schema, 'Copilot quota', now);
  const windows: UsageWindow[] = [];
  const limited = body.limited_user_quotas;
  if (limited && typeof limited.chat === 'number') {
    const resetsAt = body.limited_user_reset_date ? saneTime(Date.parse(body.limited_user_reset_date), now) : undefined;
    const bucket = (
      label: string,
      remaining: number | null | undefined,
      total: number | null | undefined,
      scale: [number, number],
    ) => {
      if (typeof remaining !== 'number' || !total) return;
      const t = total === scale[0] ? total / scale[1] : total;
      windows.push({ label, usedPercent: clampPercent(((t - remaining) / t) * 100), resetsAt });
    };
    bucket('chat', limited.chat, body.monthly_quotas?.chat, [500, 10]);
    bucket('completions', limited.completions, body.monthly_quotas?.completions, [4000, 2]);
  } else {
    const premium = body.quota_snapshots?.premium_interactions;
    if (premium && !premium.unlimited && typeof premium.percent_remaining === 'number') {
      windows.push({
        label: 'month',
        usedPercent: clampPercent(100 - premium.percent_remaining),
        resetsAt: body.quota_reset_date ? saneTime(Date.parse(body.quota_reset_date), now) : undefined,
      });
    }
  }
  const plan =
    body.copilot_plan ??
    body.access_type_sku ??
    (body.quota_snapshots?.premium_interactions?.unlimited ? 'Copilot Unlimited' : undefined);
  return { windows, plan: plan ?? undefined, fetchedAt: now };
}

// This endpoint takes the GitHub token (stored as `refresh`), as "token <t>", on the account's own
// API host: api.github.com, or api.<domain> for a GitHub Enterprise account (where its token
// exchange goes too; the token means nothing to, and must not be sent to, api.github.com).
export const copilotUsageUrl = (c: OAuthCredential): string =>
  `https://api.${typeof c.enterpriseUrl === 'string' ? c.enterpriseUrl : 'github.com'}/copilot_internal/user`;

export const copilotUsage = (o: { url?: string; now?: () => number } = {}): UsageClient =>
  usageClientFor(
    {
      provider: 'github-copilot',
      url: copilotUsageUrl,
      headers: (c) => ({ ...COPILOT_HEADERS, Authorization: `token ${c.refresh}` }),
      parse: parseCopilotUsage,
    },
    o,
  );

// GitHub Copilot answers requests for some models (Claude, Grok…) only once the account has
// accepted their policy. pi's /login enables them right after signing in
// (@mariozechner/pi-ai 0.73.1 dist/utils/oauth/github-copilot.js, enableGitHubCopilotModel:
// POST {copilot api base}/models/{id}/policy, body {"state":"enabled"}, the editor headers plus
// openai-intent and x-interaction-type "chat-policy"); so do we, for the models the account lists.
const listSchema = z.object({ data: z.array(z.object({ id: z.string().check(z.minLength(1)) })) });

export interface EnableResult {
  readonly enabled: readonly string[];
  readonly failed: readonly string[];
}

/** Enables every model the account lists; throws a Fault only when the list itself cannot be read. */
export async function enableCopilotModels(
  credential: OAuthCredential,
  http: HttpOptions = {},
  base?: string,
): Promise<EnableResult> {
  const api = (
    base ??
    copilotBaseUrl(
      credential.access,
      typeof credential.enterpriseUrl === 'string' ? credential.enterpriseUrl : undefined,
    )
  ).replace(/\/+$/, '');
  const headers = { ...COPILOT_HEADERS, Authorization: `Bearer ${credential.access}` };
  const list = await getJson(`${api}/models`, { ...http, headers });
  const parsed = listSchema.safeParse(list.json);
  if (list.status !== 200 || !parsed.success)
    throw new Fault(
      'network',
      `Copilot did not list the account's models (${list.status}).`,
      'Sign in again to retry; models that need enabling stay unavailable until then.',
    );
  const ids = [...new Set(parsed.data.data.map((m) => m.id))];
  const policyHeaders = { ...headers, 'openai-intent': 'chat-policy', 'x-interaction-type': 'chat-policy' };
  const results = await Promise.all(
    ids.map(async (id) => {
      try {
        const res = await postJson(
          `${api}/models/${encodeURIComponent(id)}/policy`,
          { state: 'enabled' },
          { ...http, headers: policyHeaders },
        );
        return [id, res.status >= 200 && res.status < 300] as const;
      } catch {
        return [id, false] as const;
      }
    }),
  );
  return {
    enabled: results.filter(([, ok]) => ok).map(([id]) => id),
    failed: results.filter(([, ok]) => !ok).map(([id]) => id),
  };
}

/** GitHub Copilot: the device flow (github.com or Enterprise), or a GitHub token; usage figures. */
export const githubCopilot: ProviderAdditions = {
  id: 'github-copilot',
  keyUrl: 'https://github.com/settings/tokens',
  oauthFlow: 'device',
  signInLabels: { apiKey: 'GitHub Copilot (GitHub token)' },
  // pi-ai's login asks for the Enterprise host (text prompt) and refuses a bad one only after.
  promptCheck: (p, value) => (p.type === 'text' && /enterprise/i.test(p.message) ? domainProblem(value) : undefined),
  // The GitHub token is the identity: a Copilot "refresh" never changes it.
  sameAccount: (ours, candidate) =>
    ours.refresh === candidate.refresh && ours.enterpriseUrl === candidate.enterpriseUrl,
  usage: (url) => copilotUsage({ url }),
  // Each account is served from the host its token names (pi-ai 0.73.1's github-copilot modifyModels).
  modelBaseUrl: (c, key) => copilotBaseUrl(key, typeof c.enterpriseUrl === 'string' ? c.enterpriseUrl : undefined),
  afterSignIn: async (credential, o) => {
    try {
      const r = await enableCopilotModels(credential, o.http, o.base);
      const log = `Copilot models enabled for ${o.key}: ${r.enabled.length} of ${r.enabled.length + r.failed.length}.`;
      return {
        log,
        problem: r.failed.length
          ? `Copilot did not enable ${r.failed.length} model(s): ${r.failed.join(', ')}. Sign in again to retry.`
          : undefined,
      };
    } catch (e) {
      return { problem: `Enabling the Copilot models failed: ${describe(e)}` };
    }
  },
};
