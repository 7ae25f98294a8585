// Kimi For Coding (kimi-coding): plain RFC 8628 device authorization (no PKCE, no scope),
// form bodies, rotating refresh tokens, expiry NOT shortened (the pi extension's rule), and the
// platform headers kimi-cli sends. Facts: providers.md §3.7 (kimi-cli and the pi extension).
// Host overridable with KIMI_CODE_OAUTH_HOST / KIMI_OAUTH_HOST, client id with
// KIMI_CODING_OAUTH_CLIENT_ID, as pi-multi-auth honours.
import { Fault } from '../faults';
import { postForm, type HttpOptions } from '../http';
import { parseDeviceCode, pollDeviceToken } from './device';
import type { LoginUi, OAuthCredential, OAuthProvider } from './provider';
import { expiresAt, parseTokenResponse, type TokenResponse } from './tokens';

export const KIMI = {
  host: process.env.KIMI_CODE_OAUTH_HOST || process.env.KIMI_OAUTH_HOST || 'https://auth.kimi.com',
  clientId: process.env.KIMI_CODING_OAUTH_CLIENT_ID || '17e5f671-d194-4dfb-9706-5516cb48c098',
};

const HEADERS = { 'User-Agent': 'KimiCLI/1.44.0', 'X-Msh-Platform': 'kimi_cli' };

export function kimi(endpoints: Partial<typeof KIMI> = {}, now = Date.now): OAuthProvider {
  const e = { ...KIMI, ...endpoints };
  const token = `${e.host}/api/oauth/token`;
  const toCredential = (r: TokenResponse, what: string, previousRefresh?: string): OAuthCredential => {
    const refresh = r.refresh_token ?? previousRefresh;
    if (!refresh) throw new Fault('oauth', `${what} failed: the answer has no refresh token.`, 'Sign in again.');
    return { type: 'oauth', refresh, access: r.access_token, expires: expiresAt(r.expires_in, now(), 0) };
  };
  return {
    id: 'kimi-coding',
    async login(ui: LoginUi, http?: HttpOptions) {
      const opts = { ...http, signal: ui.signal, headers: HEADERS };
      const code = parseDeviceCode(await postForm(`${e.host}/api/oauth/device_authorization`, { client_id: e.clientId }, opts));
      await ui.showDeviceCode(code);
      // Kimi answers "pending" with HTTP 400 and the RFC error code; the poller reads the code.
      const done = await pollDeviceToken(code, () => postForm(token, { client_id: e.clientId, device_code: code.deviceCode, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, opts), { signal: ui.signal });
      return toCredential(parseTokenResponse(done, 'Signing in to Kimi'), 'Signing in to Kimi');
    },
    async refresh(credential, http) {
      const res = await postForm(token, { client_id: e.clientId, grant_type: 'refresh_token', refresh_token: credential.refresh }, { ...http, headers: HEADERS });
      // 401/403 from Kimi's token endpoint mean the sign-in is gone, like invalid_grant.
      if (res.status === 401 || res.status === 403) throw new Fault('needs-sign-in', `Refreshing the Kimi sign-in was refused (${res.status}).`, 'Sign in again; the account is kept until you do.');
      return toCredential(parseTokenResponse(res, 'Refreshing the Kimi sign-in'), 'Refreshing the Kimi sign-in', credential.refresh);
    },
    apiKey: (credential) => credential.access,
    // Kimi tokens name no account; like Anthropic, a newer entry of the same provider is taken as pi's refresh.
    sameAccount: () => true,
  };
}
