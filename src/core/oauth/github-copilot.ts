// GitHub Copilot: GitHub device flow, then the Copilot token exchange, which is also the
// "refresh". The stored `refresh` is the GitHub token (it never rotates and never goes to a
// token endpoint); `access` is the short-lived Copilot token; expiry 5 minutes early.
// Facts: @mariozechner/pi-ai 0.73.1, dist/utils/oauth/github-copilot.js.
import * as z from 'zod/mini';
import { Fault } from '../faults';
import { getJson, postForm, type HttpOptions } from '../http';
import { parseDeviceCode, pollDeviceToken } from './device';
import { FIVE_MINUTES, type LoginUi, type OAuthCredential, type OAuthProvider } from './provider';
import { clampExpiry, parseTokenResponse } from './tokens';

export const GITHUB_COPILOT = {
  clientId: 'Iv1.b507a08c87ecfe98',
  /** Where the device flow runs for a GitHub host (github.com or an Enterprise host). */
  webBase: (domain: string) => `https://${domain}`,
  apiBase: (domain: string) => `https://api.${domain}`,
};

export const COPILOT_HEADERS = {
  'User-Agent': 'GitHubCopilotChat/0.35.0',
  'Editor-Version': 'vscode/1.107.0',
  'Editor-Plugin-Version': 'copilot-chat/0.35.0',
  'Copilot-Integration-Id': 'vscode-chat',
};

// pi reads expires_at as `expires_at * 1000` (pi-ai 0.73.1), so a numeric string works there too.
const copilotTokenSchema = z.object({ token: z.string().check(z.minLength(1)), expires_at: z.union([z.number(), z.string().check(z.regex(/^\d+(?:\.\d+)?$/))]) });

/** "company.ghe.com", "https://company.ghe.com/x" → "company.ghe.com"; blank → undefined (github.com). */
export function normalizeDomain(input: string): string | undefined {
  const problem = domainProblem(input);
  if (problem) throw new Fault('oauth', problem, 'Enter a host such as company.ghe.com, or leave it blank for github.com.');
  const text = input.trim();
  return text ? new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`).hostname : undefined;
}

// A host name's labels (RFC 1123 §2.1): letters, digits and inner hyphens, dot-separated.
const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Why the text is not a GitHub Enterprise host, for the input box as it is typed; blank is fine. */
export function domainProblem(input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return `"${text}" is not a host name.`;
  }
  if (!HOST.test(url.hostname)) return `"${text}" is not a host name: letters, digits, "-" and dots only.`;
  // The device flow and the Copilot API are reached on the host's standard HTTPS port; a port
  // given here would be ignored, so it is refused rather than dropped silently.
  if (url.port) return `A port (":${url.port}") cannot be used: enter the host only, e.g. ${url.hostname}.`;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${url.protocol}" is not a web address: enter the host, e.g. company.ghe.com.`;
  return undefined;
}

/** The API base pi derives from the token's proxy-ep (proxy.x → https://api.x). */
export function copilotBaseUrl(copilotToken: string, enterpriseDomain?: string): string {
  const proxy = /(?:^|;)\s*proxy-ep=([^;\s]+)/.exec(copilotToken)?.[1];
  if (proxy) return `https://${proxy.replace(/^proxy\./, 'api.')}`;
  return enterpriseDomain ? `https://copilot-api.${enterpriseDomain}` : 'https://api.individual.githubcopilot.com';
}

export function githubCopilot(endpoints: Partial<typeof GITHUB_COPILOT> = {}, now = Date.now): OAuthProvider {
  const e = { ...GITHUB_COPILOT, ...endpoints };

  async function exchange(githubToken: string, domain: string | undefined, http?: HttpOptions): Promise<OAuthCredential> {
    const res = await getJson(`${e.apiBase(domain ?? 'github.com')}/copilot_internal/v2/token`, { ...http, headers: { ...COPILOT_HEADERS, Authorization: `Bearer ${githubToken}` } });
    if (res.status === 401 || res.status === 403) {
      throw new Fault('needs-sign-in', `GitHub refused the Copilot token (${res.status}): the account has no Copilot access or the sign-in was revoked.`, 'Check your Copilot subscription, then sign in again.');
    }
    if (res.status >= 500) throw new Fault('network', `GitHub answered ${res.status} for the Copilot token.`, 'Try again in a moment.');
    const parsed = copilotTokenSchema.safeParse(res.json);
    if (res.status !== 200 || !parsed.success) throw new Fault('oauth', `Getting the Copilot token failed: the server answered ${res.status}.`, 'Try again; if it keeps failing, see the log.');
    return { type: 'oauth', refresh: githubToken, access: parsed.data.token, expires: clampExpiry(Number(parsed.data.expires_at) * 1000, now()) - FIVE_MINUTES, ...(domain ? { enterpriseUrl: domain } : {}) };
  }

  return {
    id: 'github-copilot',
    async login(ui: LoginUi, http?: HttpOptions) {
      const domain = normalizeDomain(await ui.ask('GitHub Enterprise host (leave blank for github.com)', 'company.ghe.com', domainProblem));
      const web = e.webBase(domain ?? 'github.com');
      const opts = { ...http, signal: ui.signal, headers: { 'User-Agent': COPILOT_HEADERS['User-Agent'] } };
      const code = parseDeviceCode(await postForm(`${web}/login/device/code`, { client_id: e.clientId, scope: 'read:user' }, opts));
      await ui.showDeviceCode(code);
      const done = await pollDeviceToken(
        code,
        () => postForm(`${web}/login/oauth/access_token`, { client_id: e.clientId, device_code: code.deviceCode, grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, opts),
        { signal: ui.signal },
      );
      const githubToken = parseTokenResponse(done, 'Signing in to GitHub').access_token;
      return exchange(githubToken, domain, { ...http, signal: ui.signal });
    },
    refresh: (credential, http) => exchange(credential.refresh, typeof credential.enterpriseUrl === 'string' ? credential.enterpriseUrl : undefined, http),
    apiKey: (credential) => credential.access,
    // The GitHub token is the identity: a Copilot "refresh" never changes it.
    sameAccount: (ours, candidate) => ours.refresh === candidate.refresh && ours.enterpriseUrl === candidate.enterpriseUrl,
  };
}
