import * as z from 'zod/mini';
import { credentialSchema, requireApiKey, type Credential } from '../credentials';
import { aborted, Fault } from '../faults';
import type { SignInInteraction } from '../oauth/provider';
import { piFault } from './errors';
import { piAuth } from './load';

// What pi-ai's api-key logins return (@earendil-works/pi-ai 1.6.1 dist/auth/types.d.ts
// ApiKeyCredential): a key, and for some providers values beside it (Cloudflare's account id).
const loginResult = z.object({
  type: z.literal('api_key'),
  key: z.optional(z.string()),
  env: z.optional(z.record(z.string(), z.string())),
});

/**
 * A pi-ai provider's own API-key sign-in (`Provider.auth.apiKey.login(interaction)`): its
 * questions go through the same interaction as its OAuth sign-ins. What it returns passes our
 * key check (no placeholder, no "!" command, no spaces) and our credential schema before the
 * caller stores anything; Escape on any question rejects with `aborted`.
 */
export async function piApiKeyLogin(id: string, label: string, interaction: SignInInteraction): Promise<Credential> {
  const auth = (await piAuth().piProviders()).get(id)?.auth.apiKey;
  if (!auth?.login)
    throw new Fault(
      'unknown-provider',
      `pi-ai has no API-key sign-in for ${label}.`,
      'Paste the key with "Pi Accounts: Sign In…" instead.',
    );
  let raw: unknown;
  try {
    raw = await auth.login(interaction);
  } catch (e) {
    throw piFault(e, `Signing in to ${label}`, interaction.signal);
  }
  if (interaction.signal.aborted) throw aborted();
  const r = loginResult.safeParse(raw);
  if (!r.success)
    throw new Fault('invalid-key', `The ${label} sign-in returned no key; nothing was stored.`, 'Try again.');
  const env = r.data.env && Object.keys(r.data.env).length ? r.data.env : undefined;
  const credential: Credential =
    r.data.key === undefined && env
      ? { type: 'env', vars: env }
      : { type: 'api_key', key: requireApiKey(r.data.key ?? '', label), ...(env ? { env } : {}) };
  const checked = credentialSchema.safeParse(credential);
  if (!checked.success)
    throw new Fault(
      'invalid-key',
      `The ${label} sign-in returned values Pi Accounts cannot store (${Object.keys(env ?? {}).join(', ') || 'the key'}); nothing was stored.`,
      'Try again, or report it with the "Pi Accounts" log.',
    );
  return checked.data;
}
