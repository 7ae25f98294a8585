// Is this key for this provider? A warning on a key whose shape belongs to another provider, and
// an optional quick check against the provider's models endpoint. Neither blocks saving; neither
// logs or returns the key.
import { getJson, type HttpOptions } from './http';
import { isFault, describe } from './faults';
import { findProvider } from './providers/directory';
import { withArticle } from './words';

// Prefixes each provider documents or prints on its keys. Only distinctive ones: plain "sk-" is
// shared by OpenAI, DeepSeek, Moonshot and others, so it says nothing.
const PREFIXES: readonly (readonly [prefix: string, provider: string])[] = [
  ['sk-ant-', 'anthropic'], // https://docs.anthropic.com/en/api/overview (sk-ant-api03-…)
  ['sk-or-', 'openrouter'], // https://openrouter.ai/docs/api-reference/authentication (sk-or-v1-…)
  ['sk-proj-', 'openai'], // https://platform.openai.com/docs/api-reference/authentication (project keys)
  ['sk-svcacct-', 'openai'],
  ['gsk_', 'groq'], // https://console.groq.com/docs/quickstart
  ['xai-', 'xai'], // https://docs.x.ai/docs/overview
  ['AIza', 'google'], // https://ai.google.dev/gemini-api/docs/api-key
  ['hf_', 'huggingface'], // https://huggingface.co/docs/hub/security-tokens
  ['csk-', 'cerebras'], // https://inference-docs.cerebras.ai/quickstart
  ['github_pat_', 'github-copilot'], // https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats
  ['ghp_', 'github-copilot'],
  ['gho_', 'github-copilot'],
];

/** Providers that accept another provider's keys (gateways), and whose keys are therefore not "wrong". */
const GATEWAYS = new Set(['vercel-ai-gateway', 'cloudflare-ai-gateway', 'opencode', 'opencode-go']);

/** A warning when the key's prefix belongs to another provider; undefined when it fits or says nothing. */
export function keyShapeWarning(provider: string, raw: string): string | undefined {
  const key = raw.trim();
  const match = PREFIXES.find(([prefix]) => key.startsWith(prefix));
  if (!match || match[1] === provider || GATEWAYS.has(provider)) return undefined;
  return `This looks like ${article(match[1])} key (${match[0]}…), not ${article(provider)} key. It can still be saved.`;
}

const article = withArticle;

export type KeyCheck = { readonly result: 'accepted' | 'refused' | 'unknown'; readonly message: string };

/** Whether the provider can check a key (it has a models endpoint we know). */
export const canCheckKey = (provider: string) => findProvider(provider)?.keyCheck !== undefined;

/**
 * Asks the provider's models endpoint whether it accepts the key: 2xx accepted, 401/403 refused,
 * anything else (or no answer) unknown. `baseUrl` points it at a test server.
 */
export async function checkKey(
  provider: string,
  key: string,
  http: HttpOptions = {},
  baseUrl?: string,
): Promise<KeyCheck> {
  const p = findProvider(provider);
  const entry = p?.keyCheck;
  const label = p?.label ?? provider;
  if (!entry) return { result: 'unknown', message: `${label} has no endpoint Pi Accounts can check a key against.` };
  const base = (baseUrl ?? entry.baseUrl).replace(/\/+$/, '');
  // Anthropic's is /v1/models with x-api-key (https://docs.anthropic.com/en/api/models-list);
  // the OpenAI-compatible ones are <base>/models with a bearer token.
  const [url, headers] =
    entry.wire === 'anthropic'
      ? [`${base}/v1/models`, { 'x-api-key': key.trim(), 'anthropic-version': '2023-06-01' }]
      : [`${base}/models`, { authorization: `Bearer ${key.trim()}` }];
  try {
    // Only the status matters: the body (a models listing, or whatever a hostile host sends) is not read.
    const res = await getJson(url, { timeoutMs: 10_000, ...http, headers, maxBytes: 0 });
    if (res.status >= 200 && res.status < 300) return { result: 'accepted', message: `${label} accepted the key.` };
    if (res.status === 401 || res.status === 403)
      return {
        result: 'refused',
        message: `${label} refused the key (${res.status}): it is wrong, revoked, or for another provider.`,
      };
    return { result: 'unknown', message: `${label} answered ${res.status}; the key could not be checked.` };
  } catch (e) {
    if (isFault(e, 'aborted')) throw e;
    return { result: 'unknown', message: `The key could not be checked. ${describe(e)}` };
  }
}
