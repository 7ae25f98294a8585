// Kimi For Coding: an API key, or the Kimi Code device sign-in, both pi-ai's own
// (@earendil-works/pi-ai 1.x dist/auth/oauth/kimi-coding.js: RFC 8628 device grant on
// auth.kimi.com with kimi-cli's client headers, rotating refresh tokens).
import type { ProviderAdditions } from './info';

export const kimiCoding: ProviderAdditions = {
  id: 'kimi-coding',
  keyUrl: 'https://www.kimi.com/',
  oauthFlow: 'device',
};
