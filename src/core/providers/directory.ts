import { Fault } from '../faults';
import { amazonBedrock } from './amazon-bedrock';
import { anthropic } from './anthropic';
import { azureOpenai } from './azure-openai';
import { cline } from './cline';
import { cloudflareAiGateway, cloudflareWorkersAi } from './cloudflare';
import { githubCopilot } from './github-copilot';
import { googleVertex } from './google-vertex';
import type { ProviderDescriptor, ProviderInfo, SignInKind } from './info';
import { kilo } from './kilo';
import { kimiCoding } from './kimi-coding';
import { openaiCodex } from './openai-codex';
import { qwenCli } from './qwen-cli';

export type { ProviderDescriptor, ProviderInfo, SignInKind } from './info';

const apiKey: readonly SignInKind[] = ['apiKey'];
/** An OpenAI-compatible `<baseUrl>/models` to check keys against, from the provider's API reference. */
const openaiModels = (baseUrl: string) => ({ wire: 'openai' as const, baseUrl });

// Ids and variables follow pi 0.73.1 (`@mariozechner/pi-ai` env-api-keys.js). An API-key provider
// is one line here; a provider with more than facts (a browser or device sign-in, a form of
// several values, stream options) is one file beside this one exporting its descriptor, named
// here. The order is the pickers' order and decides shared variables.
export const PROVIDERS: readonly ProviderDescriptor[] = [
  anthropic,
  {
    id: 'openai',
    label: 'OpenAI',
    envVars: ['OPENAI_API_KEY'],
    baseUrlVar: 'OPENAI_BASE_URL',
    keyUrl: 'https://platform.openai.com/api-keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.openai.com/v1'),
  },
  openaiCodex,
  githubCopilot,
  {
    id: 'google',
    label: 'Google Gemini',
    envVars: ['GEMINI_API_KEY'],
    keyUrl: 'https://aistudio.google.com/apikey',
    signIn: apiKey,
  },
  googleVertex,
  azureOpenai,
  amazonBedrock,
  {
    id: 'openrouter',
    label: 'OpenRouter',
    envVars: ['OPENROUTER_API_KEY'],
    keyUrl: 'https://openrouter.ai/keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://openrouter.ai/api/v1'),
  },
  {
    id: 'groq',
    label: 'Groq',
    envVars: ['GROQ_API_KEY'],
    keyUrl: 'https://console.groq.com/keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.groq.com/openai/v1'),
  },
  {
    id: 'cerebras',
    label: 'Cerebras',
    envVars: ['CEREBRAS_API_KEY'],
    keyUrl: 'https://cloud.cerebras.ai',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.cerebras.ai/v1'),
  },
  {
    id: 'xai',
    label: 'xAI',
    envVars: ['XAI_API_KEY'],
    keyUrl: 'https://console.x.ai',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.x.ai/v1'),
  },
  {
    id: 'mistral',
    label: 'Mistral',
    envVars: ['MISTRAL_API_KEY'],
    keyUrl: 'https://console.mistral.ai/api-keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.mistral.ai/v1'),
  },
  {
    id: 'deepseek',
    label: 'DeepSeek',
    envVars: ['DEEPSEEK_API_KEY'],
    keyUrl: 'https://platform.deepseek.com/api_keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.deepseek.com/v1'),
  },
  {
    id: 'fireworks',
    label: 'Fireworks',
    envVars: ['FIREWORKS_API_KEY'],
    keyUrl: 'https://fireworks.ai/account/api-keys',
    signIn: apiKey,
    keyCheck: openaiModels('https://api.fireworks.ai/inference/v1'),
  },
  {
    id: 'huggingface',
    label: 'Hugging Face',
    envVars: ['HF_TOKEN'],
    keyUrl: 'https://huggingface.co/settings/tokens',
    signIn: apiKey,
    keyCheck: openaiModels('https://router.huggingface.co/v1'),
  },
  {
    id: 'vercel-ai-gateway',
    label: 'Vercel AI Gateway',
    envVars: ['AI_GATEWAY_API_KEY'],
    keyUrl: 'https://vercel.com/dashboard',
    signIn: apiKey,
  },
  {
    id: 'zai',
    label: 'Z.ai',
    envVars: ['ZAI_API_KEY'],
    keyUrl: 'https://z.ai/manage-apikey/apikey-list',
    signIn: apiKey,
  },
  {
    id: 'minimax',
    label: 'MiniMax',
    envVars: ['MINIMAX_API_KEY'],
    keyUrl: 'https://platform.minimax.io',
    signIn: apiKey,
  },
  {
    id: 'minimax-cn',
    label: 'MiniMax (China)',
    envVars: ['MINIMAX_CN_API_KEY'],
    keyUrl: 'https://platform.minimaxi.com',
    signIn: apiKey,
  },
  {
    id: 'moonshotai',
    label: 'Moonshot AI',
    envVars: ['MOONSHOT_API_KEY'],
    keyUrl: 'https://platform.moonshot.ai/console/api-keys',
    signIn: apiKey,
  },
  {
    id: 'moonshotai-cn',
    label: 'Moonshot AI (China)',
    envVars: ['MOONSHOT_API_KEY'],
    keyUrl: 'https://platform.moonshot.cn/console/api-keys',
    signIn: apiKey,
  },
  kimiCoding,
  {
    id: 'opencode',
    label: 'OpenCode Zen',
    envVars: ['OPENCODE_API_KEY'],
    keyUrl: 'https://opencode.ai/auth',
    signIn: apiKey,
  },
  {
    id: 'opencode-go',
    label: 'OpenCode Go',
    envVars: ['OPENCODE_API_KEY'],
    keyUrl: 'https://opencode.ai/auth',
    signIn: apiKey,
  },
  cloudflareWorkersAi,
  cloudflareAiGateway,
  { id: 'xiaomi', label: 'Xiaomi MiMo', envVars: ['XIAOMI_API_KEY'], signIn: apiKey },
  {
    id: 'xiaomi-token-plan-cn',
    label: 'Xiaomi MiMo Token Plan (China)',
    envVars: ['XIAOMI_TOKEN_PLAN_CN_API_KEY'],
    signIn: apiKey,
  },
  {
    id: 'xiaomi-token-plan-ams',
    label: 'Xiaomi MiMo Token Plan (Amsterdam)',
    envVars: ['XIAOMI_TOKEN_PLAN_AMS_API_KEY'],
    signIn: apiKey,
  },
  {
    id: 'xiaomi-token-plan-sgp',
    label: 'Xiaomi MiMo Token Plan (Singapore)',
    envVars: ['XIAOMI_TOKEN_PLAN_SGP_API_KEY'],
    signIn: apiKey,
  },
  // Sign-ins pi learns from extensions (pi-multi-auth; pi removed its discontinued qwen-cli
  // example in 0.71: @mariozechner/pi-coding-agent CHANGELOG.md, 0.71.0).
  qwenCli,
  kilo,
  cline,
];

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
