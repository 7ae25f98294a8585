// OpenAI Codex (ChatGPT Plus/Pro): authorization code + PKCE on localhost:1455, form-encoded
// token requests, rotating refresh tokens, expiry NOT shortened (pi's rule for this provider),
// account id from the access token's claims. Facts: @mariozechner/pi-ai 0.73.1,
// dist/utils/oauth/openai-codex.js.
import * as z from 'zod/mini';
import { Fault } from '../faults';
import { postForm, type HttpOptions, type HttpResponse } from '../http';
import { browserCodeFlow } from '../oauth/browser-flow';
import { randomState } from '../oauth/pkce';
import type { LoginUi, OAuthCredential, OAuthProvider } from '../oauth/provider';
import { expiresAt, IssuedRefresh, jwtClaims, parseTokenResponse, type TokenResponse } from '../oauth/tokens';
import {
  clampPercent,
  parseUsage,
  toEpochMs,
  usageClientFor,
  windowLabel,
  type UsageClient,
  type UsageSnapshot,
  type UsageWindow,
} from '../quota/usage';
import type { ProviderAdditions } from './info';

export const OPENAI_CODEX = {
  authorizeUrl: 'https://auth.openai.com/oauth/authorize',
  tokenUrl: 'https://auth.openai.com/oauth/token',
  clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
  port: 1455,
  path: '/auth/callback',
  scope: 'openid profile email offline_access',
  originator: 'pi',
};

const AUTH_CLAIM = 'https://api.openai.com/auth';

export function accountIdOf(accessToken: string): string {
  const auth = jwtClaims(accessToken)?.[AUTH_CLAIM] as Record<string, unknown> | undefined;
  const id = auth?.chatgpt_account_id;
  if (typeof id !== 'string' || !id)
    throw new Fault(
      'oauth',
      'ChatGPT signed you in but named no account.',
      'Sign in again with a ChatGPT Plus or Pro account.',
    );
  return id;
}

export function openaiCodexOAuth(endpoints: Partial<typeof OPENAI_CODEX> = {}, now = Date.now): OAuthProvider {
  const e = { ...OPENAI_CODEX, ...endpoints };
  // A refresh keeps the refresh token when the answer leaves it out; an answer refused for naming
  // no account still hands its new refresh token on (the old one may be spent).
  const toCredential = (r: TokenResponse, what: string, previous?: OAuthCredential): OAuthCredential => {
    const refresh = r.refresh_token ?? previous?.refresh;
    if (!refresh)
      throw new Fault('oauth', `${what} failed: the answer lacks a refresh token.`, 'Try signing in again.');
    let accountId: string;
    try {
      accountId = accountIdOf(r.access_token);
    } catch (e) {
      throw r.refresh_token && e instanceof Fault ? new IssuedRefresh(e, r.refresh_token) : e;
    }
    return { type: 'oauth', refresh, access: r.access_token, expires: expiresAt(r.expires_in, now(), 0), accountId };
  };
  return {
    id: 'openai-codex',
    async login(ui: LoginUi, http?: HttpOptions) {
      const flow = await browserCodeFlow(ui, {
        ...e,
        params: {
          scope: e.scope,
          id_token_add_organizations: 'true',
          codex_cli_simplified_flow: 'true',
          originator: e.originator,
        },
        state: () => randomState(),
      });
      const res = await postForm(
        e.tokenUrl,
        {
          grant_type: 'authorization_code',
          client_id: e.clientId,
          code: flow.code,
          code_verifier: flow.verifier,
          redirect_uri: flow.redirectUri,
        },
        { ...http, signal: ui.signal },
      );
      return toCredential(parseTokenResponse(res, 'Signing in to ChatGPT'), 'Signing in to ChatGPT');
    },
    async refresh(credential, http) {
      const res = await postForm(
        e.tokenUrl,
        { grant_type: 'refresh_token', refresh_token: credential.refresh, client_id: e.clientId },
        http,
      );
      return toCredential(
        parseTokenResponse(res, 'Refreshing the ChatGPT sign-in'),
        'Refreshing the ChatGPT sign-in',
        credential,
      );
    },
    apiKey: (credential) => credential.access,
    sameAccount: (ours, candidate) => ours.accountId === candidate.accountId,
  };
}

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
      resetsAt: w.reset_at ? toEpochMs(w.reset_at) : undefined,
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

/** ChatGPT Plus/Pro subscriptions (pi's Codex provider): browser sign-in only, with usage figures. */
export const openaiCodex: ProviderAdditions = {
  id: 'openai-codex',
  oauth: (endpoints) => openaiCodexOAuth(endpoints),
  usage: (url) => codexUsage({ url }),
};
