import { copilotBaseUrl, githubCopilot as signIn } from '../oauth/github-copilot';
import { copilotUsage } from '../quota/copilot-usage';
import type { ProviderDescriptor } from './info';

/** GitHub Copilot: the device flow (github.com or Enterprise), or a GitHub token; usage figures. */
export const githubCopilot: ProviderDescriptor = {
  id: 'github-copilot',
  label: 'GitHub Copilot',
  envVars: ['COPILOT_GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN'],
  keyUrl: 'https://github.com/settings/tokens',
  signIn: ['device', 'apiKey'],
  signInLabels: { apiKey: 'GitHub Copilot (GitHub token)' },
  // GitHub hosts depend on the Enterprise domain; an override pins both to the test server.
  oauth: (o) => signIn({ ...(o.web ? { webBase: () => o.web } : {}), ...(o.api ? { apiBase: () => o.api } : {}) }),
  usage: (url) => copilotUsage({ url }),
  // Each account is served from the host its token names (pi-ai 0.73.1's github-copilot modifyModels).
  modelBaseUrl: (c, key) => copilotBaseUrl(key, typeof c.enterpriseUrl === 'string' ? c.enterpriseUrl : undefined),
};
