import { Fault } from '../faults';
import { amazonBedrock } from './amazon-bedrock';
import { anthropic } from './anthropic';
import { azureOpenai } from './azure-openai';
import { cline } from './cline';
import { cloudflareAiGateway, cloudflareWorkersAi } from './cloudflare';
import { githubCopilot } from './github-copilot';
import { googleVertex } from './google-vertex';
import {
  BROWSER_OR_DEVICE,
  type ProviderAdditions,
  type ProviderDescriptor,
  type ProviderInfo,
  type SignInKind,
} from './info';
import { kilo } from './kilo';
import { deepseekBalance, moonshotBalance, openrouterBalance } from '../usage/balance';
import { kimiCoding } from './kimi-coding';
import { openaiCodex } from './openai-codex';
import { PI_PROVIDERS, type PiProviderFacts } from './pi-registry';
import { piOAuth } from '../pi-auth/oauth';
import { piRoutesOf } from '../pi-auth/routes';
import { qwenCli } from './qwen-cli';

export type { ProviderAdditions, ProviderDescriptor, ProviderInfo, SignInKind } from './info';

/** An OpenAI-compatible `<baseUrl>/models` to check keys against, from the provider's API reference. */
const openaiModels = (baseUrl: string) => ({ wire: 'openai' as const, baseUrl });

/**
 * Our additions to pi-ai's providers, keyed by id: key pages and key checks for one-line
 * providers; a provider with more (usage figures, a form of several values, stream options) is
 * one file beside this one exporting its additions.
 */
const ADDITIONS: readonly ProviderAdditions[] = [
  anthropic,
  {
    id: 'openai',
    baseUrlVar: 'OPENAI_BASE_URL',
    keyUrl: 'https://platform.openai.com/api-keys',
    keyCheck: openaiModels('https://api.openai.com/v1'),
  },
  openaiCodex,
  githubCopilot,
  { id: 'google', keyUrl: 'https://aistudio.google.com/apikey' },
  googleVertex,
  azureOpenai,
  amazonBedrock,
  {
    id: 'openrouter',
    keyUrl: 'https://openrouter.ai/keys',
    keyCheck: openaiModels('https://openrouter.ai/api/v1'),
    balance: (base) => openrouterBalance({ base }),
  },
  {
    id: 'groq',
    keyUrl: 'https://console.groq.com/keys',
    keyCheck: openaiModels('https://api.groq.com/openai/v1'),
  },
  { id: 'cerebras', keyUrl: 'https://cloud.cerebras.ai', keyCheck: openaiModels('https://api.cerebras.ai/v1') },
  {
    id: 'xai',
    keyUrl: 'https://console.x.ai',
    keyCheck: openaiModels('https://api.x.ai/v1'),
    oauthFlow: 'device',
  },
  {
    id: 'mistral',
    keyUrl: 'https://console.mistral.ai/api-keys',
    keyCheck: openaiModels('https://api.mistral.ai/v1'),
  },
  {
    id: 'deepseek',
    keyUrl: 'https://platform.deepseek.com/api_keys',
    keyCheck: openaiModels('https://api.deepseek.com/v1'),
    balance: (base) => deepseekBalance({ base }),
  },
  {
    id: 'fireworks',
    keyUrl: 'https://fireworks.ai/account/api-keys',
    keyCheck: openaiModels('https://api.fireworks.ai/inference/v1'),
  },
  {
    id: 'huggingface',
    keyUrl: 'https://huggingface.co/settings/tokens',
    keyCheck: openaiModels('https://router.huggingface.co/v1'),
  },
  { id: 'vercel-ai-gateway', keyUrl: 'https://vercel.com/dashboard' },
  { id: 'zai', keyUrl: 'https://z.ai/manage-apikey/apikey-list' },
  { id: 'zai-coding-cn', keyUrl: 'https://open.bigmodel.cn/usercenter/apikeys' },
  { id: 'minimax', keyUrl: 'https://platform.minimax.io' },
  { id: 'minimax-cn', keyUrl: 'https://platform.minimaxi.com' },
  {
    id: 'moonshotai',
    keyUrl: 'https://platform.moonshot.ai/console/api-keys',
    balance: (base) => moonshotBalance({ base, currency: 'USD' }),
  },
  {
    id: 'moonshotai-cn',
    keyUrl: 'https://platform.moonshot.cn/console/api-keys',
    balance: (base) =>
      moonshotBalance({ provider: 'moonshotai-cn', base: base ?? 'https://api.moonshot.cn/v1', currency: 'CNY' }),
  },
  kimiCoding,
  { id: 'opencode', keyUrl: 'https://opencode.ai/auth' },
  { id: 'opencode-go', keyUrl: 'https://opencode.ai/auth' },
  cloudflareWorkersAi,
  cloudflareAiGateway,
  { id: 'nvidia', keyUrl: 'https://build.nvidia.com/settings/api-keys' },
  { id: 'together', keyUrl: 'https://api.together.ai/settings/api-keys' },
  { id: 'baseten', keyUrl: 'https://app.baseten.co/settings/api_keys' },
  // Device sign-ins (pi-ai 1.x dist/auth/oauth/xai.js, meta.js); the rest open the browser.
  { id: 'meta', oauthFlow: 'device' },
  // Radius's login asks first: the browser (recommended) or a device code (pi-ai 1.6.1
  // dist/auth/oauth/radius.js, its select prompt); the picker says both.
  { id: 'radius', signInHints: { browser: BROWSER_OR_DEVICE } },
];

/**
 * pi-ai providers Pi Accounts does not offer, each with the reason. Empty: all of pi-ai 1.6's
 * providers are served. A provider pi-ai adds is served from its registry facts alone.
 */
export const NOT_SERVED: ReadonlyMap<string, string> = new Map();

/**
 * Sign-ins pi learns from extensions, not from pi-ai (pi-multi-auth; pi removed its discontinued
 * qwen-cli example in 0.71: @mariozechner/pi-coding-agent CHANGELOG.md, 0.71.0).
 */
const OURS: readonly ProviderDescriptor[] = [qwenCli, kilo, cline];

function fromPi(facts: PiProviderFacts, ours: ProviderAdditions | undefined): ProviderDescriptor {
  const { oauthFlow, sameAccount, ...rest }: Partial<ProviderAdditions> = ours ?? {};
  const flow = oauthFlow ?? 'browser';
  const oauth = facts.oauth;
  const signIn: SignInKind[] = [...(facts.apiKey?.login ? (['apiKey'] as const) : []), ...(oauth ? [flow] : [])];
  return {
    ...rest,
    // Every OAuth sign-in pi-ai has runs pi-ai's own login and refresh.
    ...(oauth
      ? {
          oauth: (endpoints) => piOAuth(facts.id, oauth.name, piRoutesOf({ [facts.id]: endpoints }), sameAccount),
        }
      : {}),
    id: facts.id,
    label: facts.name,
    envVars: facts.keyVars,
    signIn,
    signInLabels: { ...(oauth ? { [flow]: oauth.name } : {}), ...rest.signInLabels },
    pi: { apiKeyName: facts.apiKey?.name, apiKeyLogin: facts.apiKey?.login, oauth: facts.oauth },
  };
}

/**
 * Every provider: pi-ai's, in the pickers' order (the order of ADDITIONS, then pi-ai's), then
 * ours. The order decides which provider a variable two of them read goes to by default.
 */
export const PROVIDERS: readonly ProviderDescriptor[] = (() => {
  const additions = new Map(ADDITIONS.map((a) => [a.id, a]));
  const facts = PI_PROVIDERS.filter((f) => !NOT_SERVED.has(f.id));
  const rank = (id: string) => {
    const i = ADDITIONS.findIndex((a) => a.id === id);
    return i < 0 ? ADDITIONS.length : i;
  };
  const ordered = [...facts].sort((a, b) => rank(a.id) - rank(b.id));
  return [...ordered.map((f) => fromPi(f, additions.get(f.id))), ...OURS];
})();

/** Ids our additions name that pi-ai does not have (a stale addition after a pi-ai release). */
export function strayAdditions(): string[] {
  const pi = new Set(PI_PROVIDERS.map((f) => f.id));
  return ADDITIONS.map((a) => a.id).filter((id) => !pi.has(id));
}

const byId = new Map(PROVIDERS.map((p) => [p.id, p]));

export function findProvider(id: string): ProviderDescriptor | undefined {
  return byId.get(id);
}

export function requireProvider(id: unknown): ProviderDescriptor {
  const p = typeof id === 'string' ? byId.get(id) : undefined;
  if (!p) {
    throw new Fault(
      'unknown-provider',
      `"${String(id)}" is not a provider Pi Accounts knows.`,
      `Use one of: ${PROVIDERS.map((x) => x.id).join(', ')}.`,
    );
  }
  return p;
}

// pi-ai 0.73.1 sends any Anthropic key containing "sk-ant-oat" as a Claude subscription token
// (dist/providers/anthropic.js isOAuthToken: Bearer, the oauth beta headers, Claude Code's first
// system line), whichever variable or auth.json entry it came from; ANTHROPIC_OAUTH_TOKEN is
// the variable for such tokens and wins over ANTHROPIC_API_KEY (dist/env-api-keys.js).
export function exportVarOf(
  p: ProviderInfo,
  kind: 'api_key' | 'oauth' | 'env' = 'api_key',
  key?: string,
): string | undefined {
  const subscription = kind === 'oauth' || (key !== undefined && p.subscriptionKey?.test(key) === true);
  return (subscription ? p.oauthExportVar : undefined) ?? p.exportVar ?? p.envVars[0];
}

/** Providers that take a pasted API key. */
export function providersWithApiKeys(): ProviderInfo[] {
  return PROVIDERS.filter((p) => p.signIn.includes('apiKey'));
}
