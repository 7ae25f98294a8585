// Kimi For Coding (kimi-coding): plain RFC 8628 device authorization (no PKCE, no scope),
// form bodies, rotating refresh tokens, expiry NOT shortened (the pi extension's rule), and the
// client-identity headers the official Kimi Code client sends. Facts: kimi-cli
// (https://github.com/MoonshotAI/kimi-cli, 1.49.0) and the pi-multi-auth package. Host overridable with KIMI_CODE_OAUTH_HOST /
// KIMI_OAUTH_HOST, client id with KIMI_CODING_OAUTH_CLIENT_ID, as pi-multi-auth honours.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { Fault } from '../faults';
import { postForm, type HttpOptions } from '../http';
import { parseDeviceCode, pollDeviceToken } from '../oauth/device';
import type { LoginUi, OAuthCredential, OAuthProvider } from '../oauth/provider';
import { expiresAt, parseTokenResponse, type TokenResponse } from '../oauth/tokens';
import type { ProviderAdditions } from './info';

export const KIMI = {
  host: process.env.KIMI_CODE_OAUTH_HOST || process.env.KIMI_OAUTH_HOST || 'https://auth.kimi.com',
  clientId: process.env.KIMI_CODING_OAUTH_CLIENT_ID || '17e5f671-d194-4dfb-9706-5516cb48c098',
};

// The official client's identity, from https://github.com/MoonshotAI/kimi-cli (1.49.0):
// src/kimi_cli/constant.py (User-Agent "KimiCLI/<version>") and src/kimi_cli/auth/oauth.py
// `_common_headers` (X-Msh-Platform "kimi_cli", X-Msh-Version, and the device headers: host name,
// "<OS> <release> <arch>" with Darwin named macOS, the OS version string, a stable device id that
// it keeps in ~/.kimi/device_id; values reduced to ASCII).
export const KIMI_CLI_VERSION = '1.49.0';

/** The headers kimi-cli sends on its device authorization, token and refresh requests. */
export function kimiHeaders(home = os.homedir()): Record<string, string> {
  const system = os.type() === 'Darwin' ? 'macOS' : os.type() === 'Windows_NT' ? 'Windows' : os.type();
  const headers = {
    'User-Agent': `KimiCLI/${KIMI_CLI_VERSION}`,
    'X-Msh-Platform': 'kimi_cli',
    'X-Msh-Version': KIMI_CLI_VERSION,
    'X-Msh-Device-Name': os.hostname(),
    'X-Msh-Device-Model': `${system} ${os.release()} ${os.machine()}`,
    'X-Msh-Os-Version': os.version(),
    'X-Msh-Device-Id': deviceId(home),
  };
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '').trim() || 'unknown']),
  );
}

/**
 * kimi-cli's own device id when it is installed (so both count as one device), otherwise a
 * stable id derived from this machine and user: never written, so nothing of kimi-cli's is touched.
 */
function deviceId(home: string): string {
  try {
    const id = readFileSync(join(home, '.kimi', 'device_id'), 'utf8').trim();
    if (/^[0-9a-f]{32}$/i.test(id)) return id;
  } catch {
    // no kimi-cli here
  }
  return createHash('sha256').update(`pi-accounts:${os.hostname()}:${home}`).digest('hex').slice(0, 32);
}

export function kimiOAuth(
  endpoints: Partial<typeof KIMI> = {},
  now = Date.now,
  headers = kimiHeaders(),
): OAuthProvider {
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
      const opts = { ...http, signal: ui.signal, headers };
      const code = parseDeviceCode(
        await postForm(`${e.host}/api/oauth/device_authorization`, { client_id: e.clientId }, opts),
      );
      await ui.showDeviceCode(code);
      // Kimi answers "pending" with HTTP 400 and the RFC error code; the poller reads the code.
      const done = await pollDeviceToken(
        code,
        () =>
          postForm(
            token,
            {
              client_id: e.clientId,
              device_code: code.deviceCode,
              grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
            },
            opts,
          ),
        { signal: ui.signal },
      );
      return toCredential(parseTokenResponse(done, 'Signing in to Kimi'), 'Signing in to Kimi');
    },
    async refresh(credential, http) {
      const res = await postForm(
        token,
        { client_id: e.clientId, grant_type: 'refresh_token', refresh_token: credential.refresh },
        { ...http, headers },
      );
      // 401/403 from Kimi's token endpoint mean the sign-in is gone, like invalid_grant.
      if (res.status === 401 || res.status === 403)
        throw new Fault(
          'needs-sign-in',
          `Refreshing the Kimi sign-in was refused (${res.status}).`,
          'Sign in again; the account is kept until you do.',
        );
      return toCredential(
        parseTokenResponse(res, 'Refreshing the Kimi sign-in'),
        'Refreshing the Kimi sign-in',
        credential.refresh,
      );
    },
    apiKey: (credential) => credential.access,
    // Kimi tokens name no account; like Anthropic, a newer entry of the same provider is taken as pi's refresh.
    sameAccount: () => true,
  };
}

/** Kimi For Coding: an API key, or the Kimi Code device sign-in. */
export const kimiCoding: ProviderAdditions = {
  id: 'kimi-coding',
  keyUrl: 'https://www.kimi.com/',
  oauthFlow: 'device',
  oauth: (endpoints) => kimiOAuth(endpoints),
};
