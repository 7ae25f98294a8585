// Anthropic (Claude Pro/Max): authorization code + PKCE, JSON token requests, rotating refresh
// tokens, expiry 5 minutes early. Facts: @mariozechner/pi-ai 0.73.1, dist/utils/oauth/anthropic.js.
import { postJson, type HttpOptions } from '../http';
import { browserCodeFlow } from './browser-flow';
import { FIVE_MINUTES, type LoginUi, type OAuthCredential, type OAuthProvider } from './provider';
import { expiresAt, parseTokenResponse } from './tokens';

export const ANTHROPIC = {
  authorizeUrl: 'https://claude.ai/oauth/authorize',
  tokenUrl: 'https://platform.claude.com/v1/oauth/token',
  clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
  port: 53692,
  path: '/callback',
  scopes: 'org:create_api_key user:profile user:inference user:sessions:claude_code user:mcp_servers user:file_upload',
};

export function anthropic(endpoints: Partial<typeof ANTHROPIC> = {}, now = Date.now): OAuthProvider {
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
      const flow = await browserCodeFlow(ui, { ...e, params: { code: 'true', scope: e.scopes }, state: (pkce) => pkce.verifier });
      const res = await postJson(e.tokenUrl, { grant_type: 'authorization_code', client_id: e.clientId, code: flow.code, state: flow.state, redirect_uri: flow.redirectUri, code_verifier: flow.verifier }, { ...http, signal: ui.signal });
      return toCredential(parseTokenResponse(res, 'Signing in to Anthropic'));
    },
    async refresh(credential, http) {
      const res = await postJson(e.tokenUrl, { grant_type: 'refresh_token', client_id: e.clientId, refresh_token: credential.refresh }, http);
      return toCredential(parseTokenResponse(res, 'Refreshing the Anthropic sign-in'), credential.refresh);
    },
    apiKey: (credential) => credential.access,
    // Anthropic tokens carry no account id: an OAuth entry pi refreshed looks like a new login.
    sameAccount: () => true,
  };
}
