// Azure OpenAI (pi's `azure`, `azure-openai-responses` before pi 1.0.3: renamed-providers.ts
// moves accounts saved under the old id): the resource's key, its name or base URL, and
// optionally the API version and model → deployment map (@earendil-works/pi-ai 1.6.1
// dist/api/azure-openai-config.js; @mariozechner/pi-ai 0.73.1 dist/env-api-keys.js).
import { apiKeyField, httpsUrlProblem } from './forms';
import type { ProviderAdditions } from './info';

/**
 * "model=deployment, other=dep2" or a JSON object → the form pi reads,
 * "model=deployment,other=dep2" (pi-ai 0.73.1 azure-openai-responses.js parseDeploymentNameMap:
 * comma-separated, split at the first "="; JSON there reads as an empty map).
 */
export function deploymentMap(input: string): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  let pairs: string[][];
  try {
    const json: unknown = JSON.parse(text);
    if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
    pairs = Object.entries(json).map(([k, v]) => [k.trim(), typeof v === 'string' ? v.trim() : '']);
  } catch {
    pairs = text.split(',').map((p) => p.split('=').map((x) => x.trim()));
  }
  // Neither side may hold the separators pi splits at, or pi would read another map.
  if (!pairs.length || pairs.some((p) => p.length !== 2 || !p[0] || !p[1] || /[,=]/.test(p[0] + p[1])))
    return undefined;
  return pairs.map(([m, d]) => `${m}=${d}`).join(',');
}

export const azureOpenai: ProviderAdditions = {
  id: 'azure',
  baseUrlVar: 'AZURE_OPENAI_BASE_URL',
  keyUrl: 'https://portal.azure.com/',
  forms: [
    {
      label: 'API key and resource',
      detail: "The resource's key, its name or base URL, and optionally the API version and deployments",
      key: apiKeyField('AZURE_OPENAI_API_KEY', 'API key'),
      fields: [
        {
          variable: 'AZURE_OPENAI_RESOURCE_NAME',
          label: 'Resource name or base URL',
          placeholder: 'my-resource, or https://my-resource.openai.azure.com/openai/v1',
          check: (v) =>
            /^https?:\/\//i.test(v.trim())
              ? httpsUrlProblem(v)
              : /^[a-z0-9][a-z0-9-]{1,62}$/i.test(v.trim())
                ? undefined
                : 'Enter the resource name or an https:// base URL.',
          derive: (v): Record<string, string> =>
            /^https:\/\//i.test(v.trim())
              ? { AZURE_OPENAI_BASE_URL: v.trim() }
              : { AZURE_OPENAI_RESOURCE_NAME: v.trim() },
        },
        {
          variable: 'AZURE_OPENAI_API_VERSION',
          label: 'API version (optional)',
          placeholder: 'v1',
          optional: true,
          check: (v) =>
            !v.trim() || /^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/.test(v.trim())
              ? undefined
              : 'Use v1 or a date like 2025-04-01-preview.',
        },
        {
          variable: 'AZURE_OPENAI_DEPLOYMENT_NAME_MAP',
          label: 'Deployments (optional): model=deployment, …',
          placeholder: 'gpt-5=my-gpt5, gpt-4.1=prod-41',
          optional: true,
          check: (v) =>
            !v.trim() || deploymentMap(v)
              ? undefined
              : 'Write model=deployment pairs separated by commas (or a JSON object), with no "," or "=" inside a name.',
          derive: (v): Record<string, string> =>
            v.trim() ? { AZURE_OPENAI_DEPLOYMENT_NAME_MAP: deploymentMap(v)! } : {},
        },
      ],
    },
  ],
  // Option names: pi-ai 0.73.1 AzureOpenAIResponsesOptions.
  // The map as terminals export it (pi's form; an old value as stored) and as pi splits it.
  streamOptions: (vars, modelId) => {
    const raw = vars.AZURE_OPENAI_DEPLOYMENT_NAME_MAP ?? '';
    const pairs = (deploymentMap(raw) ?? raw).split(',').map((p) => p.split('=').map((x) => x.trim()));
    const deployments: Record<string, string> = Object.fromEntries(
      pairs.filter((p): p is [string, string] => p.length === 2 && !!p[0] && !!p[1]),
    );
    return {
      azureResourceName: vars.AZURE_OPENAI_RESOURCE_NAME,
      azureBaseUrl: vars.AZURE_OPENAI_BASE_URL,
      azureApiVersion: vars.AZURE_OPENAI_API_VERSION,
      azureDeploymentName: deployments[modelId],
    };
  },
};
