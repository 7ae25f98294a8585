import { kimi } from '../oauth/kimi';
import type { ProviderDescriptor } from './info';

/** Kimi For Coding: an API key, or the Kimi Code device sign-in. */
export const kimiCoding: ProviderDescriptor = {
  id: 'kimi-coding',
  label: 'Kimi For Coding',
  envVars: ['KIMI_API_KEY'],
  keyUrl: 'https://www.kimi.com/',
  signIn: ['apiKey', 'device'],
  signInLabels: { device: 'Kimi For Coding (Kimi Code sign-in)' },
  oauth: (endpoints) => kimi(endpoints),
};
