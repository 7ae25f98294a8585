// Providers whose credential is several values (Bedrock, Vertex, Azure OpenAI, Cloudflare
// Workers AI and AI Gateway): the exact values the sign-in asks for, checked, and the variables pi reads them
// from (pi-ai env-api-keys.js and its providers, 0.73.1).
import { apiKeyProblem, type Credential } from '../credentials';
import { Fault } from '../faults';

export interface FormField {
  /** The variable the value is exported as (a `derive` may choose another). */
  readonly variable: string;
  readonly label: string;
  readonly placeholder?: string;
  readonly secret?: boolean;
  readonly optional?: boolean;
  /** Returns the reason the value is unusable, or undefined. */
  readonly check?: (value: string) => string | undefined;
  /** Turns what was typed into the variables to export (default: { [variable]: value }). */
  readonly derive?: (value: string) => Record<string, string>;
}

export interface SignInForm {
  readonly label: string;
  readonly detail: string;
  /** The API key, when the form has one: it is what auth.json gets. */
  readonly key?: FormField;
  readonly fields: readonly FormField[];
}

const notEmpty = (v: string) => (v.trim() ? undefined : 'Enter a value.');
const keyCheck = (v: string) => apiKeyProblem(v);

export function httpsUrlProblem(v: string): string | undefined {
  try {
    const u = new URL(v.trim());
    return u.protocol === 'https:' && u.hostname ? undefined : 'Use an https:// address.';
  } catch {
    return 'Enter a whole address, like https://example.com/v1.';
  }
}

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const region: FormField = { variable: 'AWS_REGION', label: 'AWS region', placeholder: 'us-east-1', check: (v) => (AWS_REGION.test(v.trim()) ? undefined : 'Enter a region like us-east-1.') };
const gcpProject: FormField = { variable: 'GOOGLE_CLOUD_PROJECT', label: 'Google Cloud project id', placeholder: 'my-project-123', check: (v) => (/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v.trim()) ? undefined : 'Enter a project id: 6–30 lowercase letters, digits and dashes.') };
const gcpLocation: FormField = { variable: 'GOOGLE_CLOUD_LOCATION', label: 'Location', placeholder: 'us-central1 (or global)', check: (v) => (/^(global|[a-z]+-[a-z]+\d+)$/.test(v.trim()) ? undefined : 'Enter a location like us-central1, or global.') };

/** "abc…32 hex", a dashboard URL, or the Workers AI base URL → the account id. */
export function cloudflareAccountId(input: string): string | undefined {
  const text = input.trim();
  const id = /(?:^|\/)([0-9a-f]{32})(?:\/|$)/i.exec(text)?.[1] ?? (/^[0-9a-f]{32}$/i.test(text) ? text : undefined);
  return id?.toLowerCase();
}

export const cloudflareBaseUrl = (accountId: string) => `https://api.cloudflare.com/client/v4/accounts/${accountId}/ai/v1`;

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
  if (!pairs.length || pairs.some((p) => p.length !== 2 || !p[0] || !p[1] || /[,=]/.test(p[0] + p[1]))) return undefined;
  return pairs.map(([m, d]) => `${m}=${d}`).join(',');
}

/** The account id field of both Cloudflare forms: an id, a dashboard URL or a base URL. */
const cloudflareAccount: FormField = {
  variable: 'CLOUDFLARE_ACCOUNT_ID',
  label: 'Account id, dashboard URL or base URL',
  placeholder: 'https://dash.cloudflare.com/<account id>/ai/workers-ai',
  check: (v) => (cloudflareAccountId(v) ? undefined : 'Enter the 32-character account id, or a URL that contains it.'),
  derive: (v) => ({ CLOUDFLARE_ACCOUNT_ID: cloudflareAccountId(v)! }),
};

export const FORMS: Readonly<Record<string, readonly SignInForm[]>> = {
  'amazon-bedrock': [
    { label: 'Bedrock API key', detail: 'A bearer token from the Bedrock console, and a region', key: { variable: 'AWS_BEARER_TOKEN_BEDROCK', label: 'Bedrock API key', secret: true, check: keyCheck }, fields: [region] },
    { label: 'AWS profile', detail: 'A named profile from ~/.aws/credentials or SSO, and a region', fields: [{ variable: 'AWS_PROFILE', label: 'Profile name', placeholder: 'default', check: (v) => (/^[\w.+=,@-]+$/.test(v.trim()) ? undefined : 'Enter a profile name as in ~/.aws/config.') }, region] },
    {
      label: 'Access key pair',
      detail: 'An access key id and secret access key, and a region',
      fields: [
        { variable: 'AWS_ACCESS_KEY_ID', label: 'Access key id', placeholder: 'AKIA…', check: (v) => (/^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(v.trim()) ? undefined : 'An access key id starts with AKIA or ASIA.') },
        { variable: 'AWS_SECRET_ACCESS_KEY', label: 'Secret access key', secret: true, check: (v) => (v.trim().length >= 20 && !/\s/.test(v.trim()) ? undefined : 'Paste the whole secret access key.') },
        region,
      ],
    },
  ],
  'google-vertex': [
    { label: 'API key', detail: 'A Google Cloud API key, the project and location', key: { variable: 'GOOGLE_CLOUD_API_KEY', label: 'API key', secret: true, check: keyCheck }, fields: [gcpProject, gcpLocation] },
    {
      label: 'Application Default Credentials',
      detail: 'gcloud auth application-default login (or a service-account file), the project and location',
      fields: [{ variable: 'GOOGLE_APPLICATION_CREDENTIALS', label: 'Service-account JSON file (leave blank for gcloud\'s default)', placeholder: '/path/to/key.json', optional: true, check: (v) => (!v.trim() || v.trim().startsWith('/') || /^[A-Za-z]:\\\\/.test(v.trim()) ? undefined : 'Enter an absolute path.') }, gcpProject, gcpLocation],
    },
  ],
  'azure-openai-responses': [
    {
      label: 'API key and resource',
      detail: 'The resource\'s key, its name or base URL, and optionally the API version and deployments',
      key: { variable: 'AZURE_OPENAI_API_KEY', label: 'API key', secret: true, check: keyCheck },
      fields: [
        {
          variable: 'AZURE_OPENAI_RESOURCE_NAME',
          label: 'Resource name or base URL',
          placeholder: 'my-resource, or https://my-resource.openai.azure.com/openai/v1',
          check: (v) => (/^https?:\/\//i.test(v.trim()) ? httpsUrlProblem(v) : /^[a-z0-9][a-z0-9-]{1,62}$/i.test(v.trim()) ? undefined : 'Enter the resource name or an https:// base URL.'),
          derive: (v): Record<string, string> => (/^https:\/\//i.test(v.trim()) ? { AZURE_OPENAI_BASE_URL: v.trim() } : { AZURE_OPENAI_RESOURCE_NAME: v.trim() }),
        },
        { variable: 'AZURE_OPENAI_API_VERSION', label: 'API version (optional)', placeholder: 'v1', optional: true, check: (v) => (!v.trim() || /^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/.test(v.trim()) ? undefined : 'Use v1 or a date like 2025-04-01-preview.') },
        {
          variable: 'AZURE_OPENAI_DEPLOYMENT_NAME_MAP',
          label: 'Deployments (optional): model=deployment, …',
          placeholder: 'gpt-5=my-gpt5, gpt-4.1=prod-41',
          optional: true,
          check: (v) => (!v.trim() || deploymentMap(v) ? undefined : 'Write model=deployment pairs separated by commas (or a JSON object), with no "," or "=" inside a name.'),
          derive: (v): Record<string, string> => (v.trim() ? { AZURE_OPENAI_DEPLOYMENT_NAME_MAP: deploymentMap(v)! } : {}),
        },
      ],
    },
  ],
  'cloudflare-workers-ai': [
    {
      label: 'API token and account',
      detail: 'A Workers AI token, and the account id, a dashboard URL or the base URL',
      key: { variable: 'CLOUDFLARE_API_KEY', label: 'API token', secret: true, check: keyCheck },
      fields: [cloudflareAccount],
    },
  ],
  // pi builds the gateway's URL from both ids and refuses the provider without them
  // (pi-ai 0.73.1 providers/cloudflare.js: gateway.ai.cloudflare.com/v1/{CLOUDFLARE_ACCOUNT_ID}/{CLOUDFLARE_GATEWAY_ID}/…).
  'cloudflare-ai-gateway': [
    {
      label: 'API token, account and gateway',
      detail: 'An AI Gateway token, the account id (or a dashboard URL) and the gateway id',
      key: { variable: 'CLOUDFLARE_API_KEY', label: 'API token', secret: true, check: keyCheck },
      fields: [
        cloudflareAccount,
        { variable: 'CLOUDFLARE_GATEWAY_ID', label: 'Gateway id', placeholder: 'my-gateway', check: (v) => (/^[A-Za-z0-9_-]{1,64}$/.test(v.trim()) ? undefined : 'Enter the gateway id as the dashboard shows it (letters, digits, "-" and "_").') },
      ],
    },
  ],
};

/** The checked values of a filled form as the variables to export; throws nothing, returns problems. */
export function formValues(form: SignInForm, answers: Readonly<Record<string, string>>): { vars: Record<string, string>; problems: string[] } {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  for (const f of [...(form.key ? [form.key] : []), ...form.fields]) {
    const raw = answers[f.variable] ?? '';
    if (!raw.trim() && f.optional) continue;
    const problem = (f.check ?? notEmpty)(raw) ?? notEmpty(raw);
    if (problem) problems.push(`${f.label}: ${problem}`);
    else Object.assign(vars, f.derive ? f.derive(raw) : { [f.variable]: raw.trim() });
  }
  return { vars, problems };
}

/** A filled form as the credential to store: a key with the other values, or values only. */
export function credentialFromForm(form: SignInForm, answers: Readonly<Record<string, string>>): Credential {
  const { vars, problems } = formValues(form, answers);
  if (problems.length) throw new Fault('invalid-key', `Nothing was stored: ${problems.join(' ')}`, 'Check the values and sign in again.');
  if (!form.key) return { type: 'env', vars };
  const { [form.key.variable]: key, ...env } = vars;
  return { type: 'api_key', key, env };
}
