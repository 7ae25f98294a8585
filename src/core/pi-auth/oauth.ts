import type { OAuthCredential } from '../credentials';
import { Fault } from '../faults';
import type { OAuthProvider, SignInInteraction } from '../oauth/provider';
import { piFault } from './errors';
import { issuedCredential } from './issued';
import { piAuth } from './load';
import type { Routes } from './routes';

/**
 * A pi-ai provider's own OAuth sign-in and refresh (@earendil-works/pi-ai 1.x
 * `Provider.auth.oauth`: login(interaction), refresh(credential, signal), toAuth(credential)),
 * behind our OAuthProvider interface. Ours around it: every credential it returns passes our
 * schema (issued.ts), every error becomes a fault without the server's body (errors.ts), and
 * addresses it shows the person follow the test routing when one is set (routes.ts).
 */
export function piOAuth(
  id: string,
  label: string,
  routes?: Routes,
  sameAccount?: (ours: OAuthCredential, candidate: OAuthCredential) => boolean,
): OAuthProvider {
  const oauthOf = async () => {
    const auth = (await piAuth().piProviders()).get(id)?.auth.oauth;
    if (!auth) throw new Fault('unknown-provider', `pi-ai has no sign-in for ${label}.`, 'Sign in with an API key.');
    return auth;
  };
  return {
    id,
    async login(interaction: SignInInteraction) {
      const auth = await oauthOf();
      const shown: SignInInteraction = routes
        ? {
            signal: interaction.signal,
            prompt: (p) => interaction.prompt(p),
            notify: (e) =>
              interaction.notify(
                e.type === 'auth_url'
                  ? { ...e, url: routes.route(e.url) ?? e.url }
                  : e.type === 'device_code'
                    ? { ...e, verificationUri: routes.route(e.verificationUri) ?? e.verificationUri }
                    : e,
              ),
          }
        : interaction;
      let raw: unknown;
      try {
        raw = await auth.login(shown, { agentName: 'Pi Accounts' });
      } catch (e) {
        throw piFault(e, `Signing in to ${label}`, interaction.signal);
      }
      return issuedCredential(raw, undefined, `Signing in to ${label}`);
    },
    async refresh(credential: OAuthCredential, http) {
      const auth = await oauthOf();
      const timeout = AbortSignal.timeout(http?.timeoutMs ?? 30_000);
      const signal = http?.signal ? AbortSignal.any([http.signal, timeout]) : timeout;
      let raw: unknown;
      try {
        raw = await auth.refresh({ ...credential, type: 'oauth' }, signal);
      } catch (e) {
        throw piFault(e, `Refreshing the ${label} sign-in`, http?.signal);
      }
      return issuedCredential(raw, credential, `Refreshing the ${label} sign-in`);
    },
    // pi-ai's toAuth() sends the access token (as the key or a bearer header) for every built-in
    // OAuth provider (1.6.1 dist/auth/oauth/*.js); the asynchronous toAuth itself is `auth` below.
    apiKey: (credential) => credential.access,
    // Identity fields differ per provider: an account id where the sign-in has one (Codex,
    // ChatGPT), the Enterprise host for Copilot; without either, any entry can be the account.
    sameAccount:
      sameAccount ??
      ((ours, candidate) => ours.accountId === candidate.accountId && ours.enterpriseUrl === candidate.enterpriseUrl),
  };
}

/** The request auth pi-ai derives from a credential (Copilot: its token and the base URL it names). */
export async function piRequestAuth(
  id: string,
  credential: OAuthCredential,
): Promise<{ apiKey?: string; headers?: Record<string, string | null>; baseUrl?: string }> {
  const auth = (await piAuth().piProviders()).get(id)?.auth.oauth;
  if (!auth) return { apiKey: credential.access };
  return auth.toAuth({ ...credential, type: 'oauth' });
}
