// Cline: a browser callback to 127.0.0.1 on the first free port of 48801–48811 (no PKCE, no
// state: the code arrives as refreshToken, idToken or code), JSON token and refresh calls with
// camelCase fields, rotating refresh tokens, and keys sent as "workos:<access>".
// Facts: the pi-multi-auth package's oauth-cline provider (see kilo.ts). The callback may also name the identity
// provider the person chose (`provider=google`…); the token exchange carries it back, as Cline's
// own client does: https://github.com/cline/cline sdk/packages/core/src/auth/cline.ts
// (exchangeAuthorizationCode: grant_type, code, client_type, redirect_uri, provider) and
// sdk/packages/core/src/auth/server.ts (provider read from the callback's query).
import * as z from 'zod/mini';
import { Fault, isFault } from '../faults';
import { getJson, postJson, type HttpOptions, type HttpResponse } from '../http';
import { codeFromBrowser } from '../oauth/browser-flow';
import { startLoopback, type Loopback } from '../oauth/loopback';
import { parseUrl } from '../oauth/paste';
import type { OAuthCredential, OAuthProvider, SignInInteraction } from '../oauth/provider';
import { loginUiOf } from '../oauth/interaction';
import { clampExpiry, jwtClaims } from '../oauth/tokens';
import type { ProviderDescriptor } from './info';

export const CLINE = { api: 'https://api.cline.bot', firstPort: 48801, lastPort: 48811 };

export const CLINE_HEADERS = {
  Accept: 'application/json',
  'User-Agent': 'Cline/3.80.0',
  'X-PLATFORM': 'Visual Studio Code',
  'X-PLATFORM-VERSION': '1.109.3',
  'X-CLIENT-TYPE': 'VSCode Extension',
  'X-CLIENT-VERSION': '3.80.0',
  'X-CORE-VERSION': '3.80.0',
};

const CODE_PARAMS = ['refreshToken', 'idToken', 'code'];

const tokenSchema = z.object({
  data: z.object({
    accessToken: z.string().check(z.minLength(1)),
    refreshToken: z.string().check(z.minLength(1)),
    expiresAt: z.optional(z.string()),
    userInfo: z.optional(
      z.looseObject({
        subject: z.optional(z.string()),
        email: z.optional(z.string()),
        clineUserId: z.optional(z.string()),
      }),
    ),
  }),
});

/** The pasted callback address (or a bare code), read like the callback itself: the code and, when the address names one, the identity provider. */
export function clineCallbackFromPaste(text: string): { code: string; provider?: string } {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    const url = parseUrl(trimmed);
    const code = CODE_PARAMS.map((k) => url.searchParams.get(k)).find(Boolean);
    const provider = url.searchParams.get('provider');
    if (code) return { code, ...(provider ? { provider } : {}) };
    throw new Fault(
      'oauth',
      'That address has no sign-in code in it.',
      'Paste the whole address the browser shows after you sign in to Cline.',
    );
  }
  if (!trimmed || /\s/.test(trimmed))
    throw new Fault(
      'oauth',
      'Nothing usable was pasted.',
      'Paste the whole address the browser shows after you sign in to Cline.',
    );
  return { code: trimmed };
}

export function clineOAuth(endpoints: Partial<typeof CLINE> = {}, now = Date.now): OAuthProvider {
  const e = { ...CLINE, ...endpoints };
  const toCredential = (res: HttpResponse, what: string, permanent: (status: number) => boolean): OAuthCredential => {
    if (permanent(res.status))
      throw new Fault(
        'needs-sign-in',
        `${what} was refused (${res.status}).`,
        'Sign in to Cline again; the account is kept until you do.',
      );
    if (res.status >= 500)
      throw new Fault('network', `${what} failed: the server answered ${res.status}.`, 'Try again in a moment.');
    const parsed = tokenSchema.safeParse(res.json);
    if (res.status !== 200 || !parsed.success)
      throw new Fault(
        'oauth',
        `${what} failed: the server answered ${res.status}.`,
        'Try signing in again; if it keeps failing, see the log.',
      );
    const d = parsed.data.data;
    const exp = jwtClaims(d.accessToken)?.exp;
    const expires = clampExpiry(
      (d.expiresAt && Date.parse(d.expiresAt)) || (typeof exp === 'number' ? exp * 1000 : now() + 3_600_000),
      now(),
    );
    const accountId = d.userInfo?.clineUserId ?? d.userInfo?.subject;
    return {
      type: 'oauth',
      access: d.accessToken,
      refresh: d.refreshToken,
      expires,
      provider: 'cline',
      ...(accountId ? { accountId } : {}),
      ...(d.userInfo?.email ? { email: d.userInfo.email } : {}),
    };
  };
  return {
    id: 'cline',
    async login(interaction: SignInInteraction, http?: HttpOptions) {
      const ui = loginUiOf(interaction);
      const loopback = (await ui.loopbackReachable(`http://127.0.0.1:${e.firstPort}/auth`))
        ? await firstFreeLoopback(e.firstPort, e.lastPort, ui.signal)
        : undefined;
      const callback = `http://127.0.0.1:${loopback?.port ?? e.firstPort}/auth`;
      try {
        const opts = { ...http, signal: ui.signal, headers: CLINE_HEADERS };
        const auth = await getJson(
          `${e.api}/api/v1/auth/authorize?${new URLSearchParams({ client_type: 'extension', callback_url: callback, redirect_uri: callback }).toString()}`,
          opts,
        );
        const location = auth.headers.location;
        const redirect =
          (Array.isArray(location) ? location[0] : location) ??
          (auth.json as { redirect_url?: string } | undefined)?.redirect_url;
        if (typeof redirect !== 'string' || !redirect)
          throw new Fault(
            auth.status >= 500 ? 'network' : 'oauth',
            `Could not start the Cline sign-in: the server answered ${auth.status}.`,
            'Try again in a moment.',
          );
        let provider: string | undefined;
        const code = await codeFromBrowser(ui, loopback, redirect, (text) => {
          const pasted = clineCallbackFromPaste(text);
          provider = pasted.provider;
          return pasted.code;
        });
        provider ??= loopback?.query()?.get('provider') ?? undefined;
        const res = await postJson(
          `${e.api}/api/v1/auth/token`,
          {
            grant_type: 'authorization_code',
            code,
            client_type: 'extension',
            redirect_uri: callback,
            ...(provider ? { provider } : {}),
          },
          opts,
        );
        return toCredential(res, 'Signing in to Cline', () => false);
      } finally {
        await loopback?.close();
      }
    },
    async refresh(credential, http) {
      const res = await postJson(
        `${e.api}/api/v1/auth/refresh`,
        { refreshToken: credential.refresh, grantType: 'refresh_token' },
        { ...http, headers: CLINE_HEADERS },
      );
      return toCredential(res, 'Refreshing the Cline sign-in', (status) => status === 400 || status === 401);
    },
    apiKey: (credential) => `workos:${credential.access}`,
    sameAccount: (ours, candidate) => ours.accountId === candidate.accountId,
  };
}

async function firstFreeLoopback(first: number, last: number, signal: AbortSignal): Promise<Loopback | undefined> {
  for (let port = first; port <= last; port++) {
    try {
      return await startLoopback({
        port,
        path: '/auth',
        state: undefined,
        codeParams: CODE_PARAMS,
        signal,
        timeoutMs: 10 * 60_000,
      });
    } catch (e) {
      if (!isFault(e, 'port-in-use')) throw e;
    }
  }
  return undefined; // every port taken: paste only
}

/** Cline's browser sign-in; pi learns the provider from the pi-multi-auth extension. */
export const cline: ProviderDescriptor = {
  id: 'cline',
  label: 'Cline',
  envVars: [],
  signIn: ['browser'],
  piExtension: 'pi-multi-auth',
  oauth: (endpoints) => clineOAuth(endpoints),
};
