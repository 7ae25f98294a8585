import { openaiCodex as signIn } from '../oauth/openai-codex';
import { codexUsage } from '../quota/codex-usage';
import type { ProviderDescriptor } from './info';

/** ChatGPT Plus/Pro subscriptions (pi's Codex provider): browser sign-in only, with usage figures. */
export const openaiCodex: ProviderDescriptor = {
  id: 'openai-codex',
  label: 'ChatGPT Plus/Pro (Codex)',
  envVars: [],
  signIn: ['browser'],
  oauth: (endpoints) => signIn(endpoints),
  usage: (url) => codexUsage({ url }),
};
