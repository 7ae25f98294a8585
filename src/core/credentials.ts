import * as z from 'zod/mini';
import { Fault } from './faults';
import { secretRefSchema, type SecretRef } from './secret-ref';

export const ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,50}$/;
export const MIN_KEY_LENGTH = 20;

const envSchema = z.record(z.string().check(z.regex(/^[A-Z_][A-Z0-9_]*$/)), z.string());
/**
 * An API key; `env` holds the other values some providers need beside it (region, project,
 * resource, API version, Cloudflare account id), exported to terminals with the key. Only
 * `type` and `key` ever reach auth.json: they are what pi reads there.
 */
export const apiKeyCredentialSchema = z.object({
  type: z.literal('api_key'),
  key: z.string().check(z.minLength(1)),
  env: z.optional(envSchema),
});
export type ApiKeyCredential = z.infer<typeof apiKeyCredentialSchema>;
/** Values only, no single key (Bedrock with an AWS profile or key pair, Vertex with ADC): pi reads these from the environment. */
export const envCredentialSchema = z.object({ type: z.literal('env'), vars: envSchema });
export type EnvCredential = z.infer<typeof envCredentialSchema>;
/**
 * pi's OAuth credential: refresh, access, expires (epoch ms), plus whatever extra fields the
 * provider keeps (accountId, enterpriseUrl…). Loose so that those extras survive a round trip.
 */
export const oauthCredentialSchema = z.looseObject({
  type: z.literal('oauth'),
  refresh: z.string(),
  access: z.string().check(z.minLength(1)),
  expires: z.number(),
});
export type OAuthCredential = z.infer<typeof oauthCredentialSchema>;
/**
 * An API key kept in the person's password manager: the vault holds where it is, never the key;
 * it is read when needed (src/core/secret-cache.ts), and pi gets the same read as a command.
 */
export const refCredentialSchema = z.object({
  type: z.literal('ref'),
  ref: secretRefSchema,
  env: z.optional(envSchema),
});
export type RefCredential = { readonly type: 'ref'; readonly ref: SecretRef; readonly env?: Record<string, string> };
export const credentialSchema = z.discriminatedUnion('type', [
  apiKeyCredentialSchema,
  oauthCredentialSchema,
  envCredentialSchema,
  refCredentialSchema,
]);
export type Credential = ApiKeyCredential | OAuthCredential | EnvCredential | RefCredential;
export type AccountKind = Credential['type'];

/**
 * The value a tool sends as its key: the API key, or the OAuth access token ('' for values only,
 * and for a key in a password manager, which only the key resolver reads).
 */
export function keyOf(credential: Credential): string {
  if (credential.type === 'api_key') return credential.key;
  return credential.type === 'oauth' ? credential.access : '';
}

/** The credential with its key read: a reference becomes the API key it points to. */
export function withKey(credential: RefCredential, key: string): ApiKeyCredential {
  return { type: 'api_key', key, ...(credential.env ? { env: credential.env } : {}) };
}

/** Variable names whose values are secrets (the rest, like a region, are not). */
export const SECRET_VAR = /KEY|SECRET|TOKEN|PASSWORD|CREDENTIALS_JSON/;

/** Every secret a credential holds, for the redactor. */
export function secretsOf(credential: Credential): string[] {
  const fromEnv = (env: Record<string, string> = {}) =>
    Object.entries(env)
      .filter(([k]) => SECRET_VAR.test(k))
      .map(([, v]) => v);
  if (credential.type === 'api_key') return [credential.key, ...fromEnv(credential.env)];
  if (credential.type === 'ref') return fromEnv(credential.env);
  if (credential.type === 'env') return fromEnv(credential.vars);
  return [credential.access, credential.refresh].filter(Boolean);
}

/** The variables a credential adds to terminals besides its key variable. */
export function extraVarsOf(credential: Credential): Record<string, string> {
  if (credential.type === 'api_key' || credential.type === 'ref') return credential.env ?? {};
  return credential.type === 'env' ? credential.vars : {};
}

/** Returns the reason an account name is unusable, or undefined when it is fine. */
export function accountNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Enter an account name.';
  if (name.length > 50) return 'Use at most 50 characters.';
  if (!ACCOUNT_NAME.test(name)) return 'Use only letters, digits, "-" and "_".';
  return undefined;
}

export function requireAccountName(name: unknown): string {
  const problem = typeof name === 'string' ? accountNameProblem(name) : 'The account name must be text.';
  if (problem)
    throw new Fault(
      'invalid-account',
      `Invalid account name "${String(name)}". ${problem}`,
      'Choose a name like "work" or "personal".',
    );
  return name as string;
}

// Text people paste from docs and .env templates instead of a real key.
const PLACEHOLDERS: readonly [RegExp, string][] = [
  [/your[-_ ]?api[-_ ]?key/i, '"your-api-key"'],
  [/x{4,}/i, '"xxxx"'],
  [/<[^>]*>/, 'an angle-bracket placeholder like "<key>"'],
  [/\.\.\.|…/, '"..." (a shortened key like "sk-...")'],
];

/** Returns the reason a key is unusable, or undefined. The key itself is never part of it. */
export function apiKeyProblem(raw: string): string | undefined {
  const key = raw.trim();
  if (key.length === 0) return 'The key is empty.';
  if (/\s/.test(key)) return 'The key contains spaces or line breaks: paste just the key.';
  for (const [pattern, what] of PLACEHOLDERS) {
    if (pattern.test(key)) return `This looks like a placeholder (${what}), not a real key.`;
  }
  // pi runs an auth.json key starting with "!" as a shell command; never hand it one.
  if (key.startsWith('!')) return 'A key cannot start with "!".';
  if (key.length < MIN_KEY_LENGTH)
    return `The key is too short (${key.length} characters; real keys have at least ${MIN_KEY_LENGTH}).`;
  return undefined;
}

export function requireApiKey(raw: unknown, providerLabel: string): string {
  const problem = typeof raw === 'string' ? apiKeyProblem(raw) : 'The key must be text.';
  if (problem)
    throw new Fault(
      'invalid-key',
      `That ${providerLabel} key was not stored: ${problem}`,
      "Copy the whole key from the provider's console and try again.",
    );
  return (raw as string).trim();
}

/** Last four characters, for tooltips and pickers: enough to tell keys apart, useless to an attacker. */
export function keyTail(key: string): string {
  return key.length > 8 ? `…${key.slice(-4)}` : '…';
}
