// OpenAI Codex (ChatGPT Plus/Pro): authorization code + PKCE on localhost:1455, form-encoded
// token requests, rotating refresh tokens, expiry NOT shortened (pi's rule for this provider),
// account id from the access token's claims. Facts: @mariozechner/pi-ai 0.73.1,
// dist/utils/oauth/openai-codex.js.
import { Fault } from '../faults';
import { postForm, type HttpOptions } from '../http';
import { browserCodeFlow } from './browser-flow';
import { randomState } from './pkce';
import type { LoginUi, OAuthCredential, OAuthProvider } from './provider';
import { expiresAt, IssuedRefresh, jwtClaims, parseTokenResponse, type TokenResponse } from './tokens';

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
  if (typeof id !== 'string' || !id) throw new Fault('oauth', 'ChatGPT signed you in but named no account.', 'Sign in again with a ChatGPT Plus or Pro account.');
  return id;
}

export function openaiCodex(endpoints: Partial<typeof OPENAI_CODEX> = {}, now = Date.now): OAuthProvider {
  const e = { ...OPENAI_CODEX, ...endpoints };
  // A refresh keeps the refresh token when the answer leaves it out; an answer refused for naming
  // no account still hands its new refresh token on (the old one may be spent).
  const toCredential = (r: TokenResponse, what: string, previous?: OAuthCredential): OAuthCredential => {
    const refresh = r.refresh_token ?? previous?.refresh;
    if (!refresh) throw new Fault('oauth', `${what} failed: the answer lacks a refresh token.`, 'Try signing in again.');
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
        params: { scope: e.scope, id_token_add_organizations: 'true', codex_cli_simplified_flow: 'true', originator: e.originator },
        state: () => randomState(),
      });
      const res = await postForm(e.tokenUrl, { grant_type: 'authorization_code', client_id: e.clientId, code: flow.code, code_verifier: flow.verifier, redirect_uri: flow.redirectUri }, { ...http, signal: ui.signal });
      return toCredential(parseTokenResponse(res, 'Signing in to ChatGPT'), 'Signing in to ChatGPT');
    },
    async refresh(credential, http) {
      const res = await postForm(e.tokenUrl, { grant_type: 'refresh_token', refresh_token: credential.refresh, client_id: e.clientId }, http);
      return toCredential(parseTokenResponse(res, 'Refreshing the ChatGPT sign-in'), 'Refreshing the ChatGPT sign-in', credential);
    },
    apiKey: (credential) => credential.access,
    sameAccount: (ours, candidate) => ours.accountId === candidate.accountId,
  };
}
