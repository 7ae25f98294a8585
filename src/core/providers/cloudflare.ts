// Cloudflare Workers AI and AI Gateway: an API token and the account id (from an id, a dashboard
// URL or the base URL); the gateway also needs its id. pi builds both URLs from these and refuses
// the providers without them (@mariozechner/pi-ai 0.73.1 dist/providers/cloudflare.js:
// gateway.ai.cloudflare.com/v1/{CLOUDFLARE_ACCOUNT_ID}/{CLOUDFLARE_GATEWAY_ID}/…).
import { apiKeyField, type FormField } from './forms';
import type { ProviderAdditions } from './info';

/** "abc…32 hex", a dashboard URL, or the Workers AI base URL → the account id. */
export function cloudflareAccountId(input: string): string | undefined {
  const text = input.trim();
  const id = /(?:^|\/)([0-9a-f]{32})(?:\/|$)/i.exec(text)?.[1] ?? (/^[0-9a-f]{32}$/i.test(text) ? text : undefined);
  return id?.toLowerCase();
}

export const cloudflareBaseUrl = (accountId: string) =>
  `https://api.cloudflare.com/client/v4/accounts/${accountId}/ai/v1`;

const account: FormField = {
  variable: 'CLOUDFLARE_ACCOUNT_ID',
  label: 'Account id, dashboard URL or base URL',
  placeholder: 'https://dash.cloudflare.com/<account id>/ai/workers-ai',
  check: (v) => (cloudflareAccountId(v) ? undefined : 'Enter the 32-character account id, or a URL that contains it.'),
  derive: (v) => ({ CLOUDFLARE_ACCOUNT_ID: cloudflareAccountId(v)! }),
};

const common = {
  keyUrl: 'https://dash.cloudflare.com/profile/api-tokens',
};

export const cloudflareWorkersAi: ProviderAdditions = {
  ...common,
  id: 'cloudflare-workers-ai',
  forms: [
    {
      label: 'API token and account',
      detail: 'A Workers AI token, and the account id, a dashboard URL or the base URL',
      key: apiKeyField('CLOUDFLARE_API_KEY', 'API token'),
      fields: [account],
    },
  ],
};

export const cloudflareAiGateway: ProviderAdditions = {
  ...common,
  id: 'cloudflare-ai-gateway',
  forms: [
    {
      label: 'API token, account and gateway',
      detail: 'An AI Gateway token, the account id (or a dashboard URL) and the gateway id',
      key: apiKeyField('CLOUDFLARE_API_KEY', 'API token'),
      fields: [
        account,
        {
          variable: 'CLOUDFLARE_GATEWAY_ID',
          label: 'Gateway id',
          placeholder: 'my-gateway',
          check: (v) =>
            /^[A-Za-z0-9_-]{1,64}$/.test(v.trim())
              ? undefined
              : 'Enter the gateway id as the dashboard shows it (letters, digits, "-" and "_").',
        },
      ],
    },
  ],
};
