// Anthropic (Claude Pro/Max): authorization code + PKCE, JSON token requests, rotating refresh
// tokens, expiry 5 minutes early. Facts: @mariozechner/pi-ai 0.73.1, dist/utils/oauth/anthropic.js.
import * as z from 'zod/mini';
import { postJson, type HttpOptions, type HttpResponse } from '../http';
import { browserCodeFlow } from '../oauth/browser-flow';
import { FIVE_MINUTES, type LoginUi, type OAuthCredential, type OAuthProvider } from '../oauth/provider';
import { expiresAt, parseTokenResponse } from '../oauth/tokens';
import {
  clampPercent,
  parseUsage,
  usageClientFor,
  type UsageClient,
  type UsageSnapshot,
  type UsageWindow,
} from '../quota/usage';
import type { ProviderAdditions } from './info';

export const ANTHROPIC = {
  authorizeUrl: 'https://claude.ai/oauth/authorize',
  tokenUrl: 'https://platform.claude.com/v1/oauth/token',
  clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
  port: 53692,
  path: '/callback',
  scopes: 'org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload',
};

export function anthropicOAuth(endpoints: Partial<typeof ANTHROPIC> = {}, now = Date.now): OAuthProvider {
  const e = { ...ANTHROPIC, ...endpoints };
  const toCredential = (r: ReturnType<typeof parseTokenResponse>, previousRefresh?: string): OAuthCredential => ({
    type: 'oauth',
    refresh: r.refresh_token ?? previousRefresh ?? '',
    access: r.access_token,
    expires: expiresAt(r.expires_in, now(), FIVE_MINUTES),
  });
  return {
    id: 'anthropic',
    async login(ui: LoginUi, http?: HttpOptions) {
      const flow = await browserCodeFlow(ui, {
        ...e,
        params: { code: 'true', scope: e.scopes },
        state: (pkce) => pkce.verifier,
      });
      const res = await postJson(
        e.tokenUrl,
        {
          grant_type: 'authorization_code',
          client_id: e.clientId,
          code: flow.code,
          state: flow.state,
          redirect_uri: flow.redirectUri,
          code_verifier: flow.verifier,
        },
        { ...http, signal: ui.signal },
      );
      return toCredential(parseTokenResponse(res, 'Signing in to Anthropic'));
    },
    async refresh(credential, http) {
      const res = await postJson(
        e.tokenUrl,
        { grant_type: 'refresh_token', client_id: e.clientId, refresh_token: credential.refresh },
        http,
      );
      return toCredential(parseTokenResponse(res, 'Refreshing the Anthropic sign-in'), credential.refresh);
    },
    apiKey: (credential) => credential.access,
    // Anthropic tokens carry no account id: an OAuth entry pi refreshed looks like a new login.
    sameAccount: () => true,
  };
}

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
        resetsAt: w.resets_at ? Date.parse(w.resets_at) || undefined : undefined,
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
  oauth: (endpoints) => anthropicOAuth(endpoints),
  usage: (url) => anthropicUsage({ url }),
};
