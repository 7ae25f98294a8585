// Qwen (qwen-cli): device code WITH PKCE, form bodies, optional refresh-token rotation, and the
// account's API host in `resource_url` (stored as enterpriseUrl, as pi's example extension
// does). Facts: pi's example extension custom-provider-qwen-cli
// (github.com/badlogic/pi-mono, packages/coding-agent/examples/extensions, before 0.71).
// Client id overridable with QWEN_OAUTH_CLIENT_ID, as pi-multi-auth honours.
import { postForm, type HttpOptions } from '../http';
import { parseDeviceCode, pollDeviceToken } from '../oauth/device';
import { createPkce } from '../oauth/pkce';
import { FIVE_MINUTES, type OAuthCredential, type OAuthProvider, type SignInInteraction } from '../oauth/provider';
import { loginUiOf } from '../oauth/interaction';
import { expiresAt, parseTokenResponse, type TokenResponse } from '../oauth/tokens';
import type { ProviderDescriptor } from './info';

export const QWEN = {
  deviceUrl: 'https://chat.qwen.ai/api/v1/oauth2/device/code',
  tokenUrl: 'https://chat.qwen.ai/api/v1/oauth2/token',
  clientId: process.env.QWEN_OAUTH_CLIENT_ID || 'f0304373b74a44d2b584a3fb70ca9e56',
  scope: 'openid profile email model.completion',
};

/** pi's rule for the API base: resource_url with https:// and /v1 added when missing. */
export function qwenBaseUrl(credential: OAuthCredential): string {
  const resource = typeof credential.enterpriseUrl === 'string' ? credential.enterpriseUrl : '';
  if (!resource) return 'https://dashscope.aliyuncs.com/compatible-mode/v1';
  const withScheme = /^https?:\/\//.test(resource) ? resource : `https://${resource}`;
  return withScheme.replace(/\/+$/, '').endsWith('/v1')
    ? withScheme.replace(/\/+$/, '')
    : `${withScheme.replace(/\/+$/, '')}/v1`;
}

export function qwenOAuth(endpoints: Partial<typeof QWEN> = {}, now = Date.now): OAuthProvider {
  const e = { ...QWEN, ...endpoints };
  const toCredential = (r: TokenResponse & { resource_url?: string }, previous?: OAuthCredential): OAuthCredential => ({
    type: 'oauth',
    refresh: r.refresh_token ?? previous?.refresh ?? '',
    access: r.access_token,
    expires: expiresAt(r.expires_in, now(), FIVE_MINUTES),
    ...((r.resource_url ?? previous?.enterpriseUrl)
      ? { enterpriseUrl: r.resource_url ?? previous?.enterpriseUrl }
      : {}),
  });
  const resourceOf = (json: unknown) => {
    const url = (json as { resource_url?: unknown } | undefined)?.resource_url;
    return typeof url === 'string' && url ? url : undefined;
  };
  return {
    id: 'qwen-cli',
    async login(interaction: SignInInteraction, http?: HttpOptions) {
      const ui = loginUiOf(interaction);
      const pkce = createPkce();
      const opts = { ...http, signal: ui.signal };
      const code = parseDeviceCode(
        await postForm(
          e.deviceUrl,
          { client_id: e.clientId, scope: e.scope, code_challenge: pkce.challenge, code_challenge_method: 'S256' },
          opts,
        ),
        2,
      );
      await ui.showDeviceCode(code);
      const done = await pollDeviceToken(
        code,
        () =>
          postForm(
            e.tokenUrl,
            {
              grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
              client_id: e.clientId,
              device_code: code.deviceCode,
              code_verifier: pkce.verifier,
            },
            opts,
          ),
        { signal: ui.signal, maxIntervalMs: 10_000 },
      );
      return toCredential({ ...parseTokenResponse(done, 'Signing in to Qwen'), resource_url: resourceOf(done.json) });
    },
    async refresh(credential, http) {
      const res = await postForm(
        e.tokenUrl,
        { grant_type: 'refresh_token', refresh_token: credential.refresh, client_id: e.clientId },
        http,
      );
      return toCredential(
        { ...parseTokenResponse(res, 'Refreshing the Qwen sign-in'), resource_url: resourceOf(res.json) },
        credential,
      );
    },
    apiKey: (credential) => credential.access,
    sameAccount: (ours, candidate) => ours.enterpriseUrl === candidate.enterpriseUrl,
  };
}

// A sign-in pi learns from an extension; pi removed its discontinued qwen-cli example in 0.71
// (@mariozechner/pi-coding-agent CHANGELOG.md, 0.71.0).
export const qwenCli: ProviderDescriptor = {
  id: 'qwen-cli',
  label: 'Qwen',
  envVars: ['QWEN_CLI_API_KEY'],
  signIn: ['device'],
  piExtension: 'an extension that registers qwen-cli (pi removed its example in 0.71)',
  oauth: (endpoints) => qwenOAuth(endpoints),
};
