import { anthropic as signIn } from '../oauth/anthropic';
import { anthropicUsage } from '../quota/anthropic-usage';
import type { ProviderDescriptor } from './info';

/** API keys, and Claude Pro/Max subscriptions signed in through the browser (with usage figures). */
export const anthropic: ProviderDescriptor = {
  id: 'anthropic',
  label: 'Anthropic',
  envVars: ['ANTHROPIC_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'],
  exportVar: 'ANTHROPIC_API_KEY',
  oauthExportVar: 'ANTHROPIC_OAUTH_TOKEN',
  subscriptionKey: /sk-ant-oat/,
  baseUrlVar: 'ANTHROPIC_BASE_URL',
  keyUrl: 'https://console.anthropic.com/settings/keys',
  signIn: ['apiKey', 'browser'],
  signInLabels: { browser: 'Claude Pro/Max' },
  oauth: (endpoints) => signIn(endpoints),
  usage: (url) => anthropicUsage({ url }),
};
