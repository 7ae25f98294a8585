// GitHub Copilot answers requests for some models (Claude, Grok…) only once the account has
// accepted their policy. pi's /login enables them right after signing in
// (@mariozechner/pi-ai 0.73.1 dist/utils/oauth/github-copilot.js, enableGitHubCopilotModel:
// POST {copilot api base}/models/{id}/policy, body {"state":"enabled"}, the editor headers plus
// openai-intent and x-interaction-type "chat-policy"); so do we, for the models the account lists.
import * as z from 'zod/mini';
import type { Credential } from '../credentials';
import { describe, Fault } from '../faults';
import type { Logger } from '../log';
import { getJson, postJson, type HttpOptions } from '../http';
import { COPILOT_HEADERS, copilotBaseUrl } from './github-copilot';
import type { OAuthCredential } from './provider';

const listSchema = z.object({ data: z.array(z.object({ id: z.string().check(z.minLength(1)) })) });

export interface EnableResult {
  readonly enabled: readonly string[];
  readonly failed: readonly string[];
}

/** Enables every model the account lists; throws a Fault only when the list itself cannot be read. */
export async function enableCopilotModels(credential: OAuthCredential, http: HttpOptions = {}, base?: string): Promise<EnableResult> {
  const api = (base ?? copilotBaseUrl(credential.access, typeof credential.enterpriseUrl === 'string' ? credential.enterpriseUrl : undefined)).replace(/\/+$/, '');
  const headers = { ...COPILOT_HEADERS, Authorization: `Bearer ${credential.access}` };
  const list = await getJson(`${api}/models`, { ...http, headers });
  const parsed = listSchema.safeParse(list.json);
  if (list.status !== 200 || !parsed.success) throw new Fault('network', `Copilot did not list the account's models (${list.status}).`, 'Sign in again to retry; models that need enabling stay unavailable until then.');
  const ids = [...new Set(parsed.data.data.map((m) => m.id))];
  const policyHeaders = { ...headers, 'openai-intent': 'chat-policy', 'x-interaction-type': 'chat-policy' };
  const results = await Promise.all(
    ids.map(async (id) => {
      try {
        const res = await postJson(`${api}/models/${encodeURIComponent(id)}/policy`, { state: 'enabled' }, { ...http, headers: policyHeaders });
        return [id, res.status >= 200 && res.status < 300] as const;
      } catch {
        return [id, false] as const;
      }
    }),
  );
  return { enabled: results.filter(([, ok]) => ok).map(([id]) => id), failed: results.filter(([, ok]) => !ok).map(([id]) => id) };
}

/**
 * Runs the enabling after each Copilot sign-in, in the background: a failure never fails the
 * sign-in; it is logged and kept per account for the Accounts view until the next sign-in.
 */
export class CopilotModelEnabler {
  private readonly problems = new Map<string, string>();

  constructor(private readonly d: { readonly log: Logger; readonly http: () => HttpOptions | undefined; readonly base?: string; readonly changed: () => void }) {}

  /** Why enabling the account's models failed, if it did. */
  problem(provider: string, account: string): string | undefined {
    return this.problems.get(`${provider}/${account}`);
  }

  async afterSignIn(provider: string, account: string, credential: Credential): Promise<void> {
    if (provider !== 'github-copilot' || credential.type !== 'oauth') return;
    const key = `${provider}/${account}`;
    this.problems.delete(key);
    try {
      const r = await enableCopilotModels(credential, this.d.http(), this.d.base);
      this.d.log.info(`Copilot models enabled for ${key}: ${r.enabled.length} of ${r.enabled.length + r.failed.length}.`);
      if (r.failed.length) this.problems.set(key, `Copilot did not enable ${r.failed.length} model(s): ${r.failed.join(', ')}. Sign in again to retry.`);
    } catch (e) {
      this.problems.set(key, `Enabling the Copilot models failed: ${describe(e)}`);
    }
    const problem = this.problems.get(key);
    if (problem) this.d.log.warn(`${key}: ${problem}`);
    this.d.changed();
  }
}
