import { keyOf } from '../credentials';
import { Fault, isFault } from '../faults';
import type { HttpOptions } from '../http';
import type { Logger } from '../log';
import { bounded } from '../redact';
import type { Feedback } from '../outlet';
import { DEFAULT_REST_MS } from '../rotation/rest';
import { findProvider, PROVIDERS, requireProvider } from '../providers/directory';
import type { KeyResolver } from '../resolver';
import type { Rotation } from '../rotation/rotation';
import type { Vault } from '../vault';
import type { ChatRequest, Endpoint, ModelSpec, StreamEvent } from './chat';
import { ModelError } from './errors';
import type { Diagnostics } from '../diagnostics';

// Values-only accounts (no key) that pi can chat with: Vertex with Application Default
// Credentials. Bedrock's (an AWS profile or key pair) need the AWS SDK, which is not bundled.
const FROM_VALUES = new Set(['google-vertex']);

/** pi's provider layer (src/core/llm/models.ts), its own bundle (dist/pi-ai.js), loaded on first use. */
export type PiModels = Pick<typeof import('./models'), 'catalog' | 'streamModel' | 'storeServes'>;

export interface BridgeDeps {
  readonly vault: Vault;
  readonly resolver: KeyResolver;
  readonly rotation: Pick<Rotation, 'inUse' | 'cooldownOf'> &
    Partial<Pick<Rotation, 'balanced' | 'started' | 'ended' | 'holdOf'>>;
  /** Where a 429 or a refused key is written back. */
  readonly feedback: Pick<Feedback, 'rateLimited' | 'refused'>;
  readonly log: Logger;
  /** Loads pi's provider layer; called once, on the first listing or request. */
  readonly load: () => Promise<PiModels>;
  readonly http?: () => HttpOptions | undefined;
  /** The test route of a provider's API (loopback only, like the sign-in's test routes). */
  readonly testRoute?: (provider: string) => string | undefined;
  readonly onUsage?: (provider: string, account: string, input: number, output: number, cached: number) => void;
  /** Asks the provider for its own reason when a refusal names none (src/core/diagnostics.ts). */
  readonly diagnostics?: Pick<Diagnostics, 'explain'>;
  /**
   * Whether accounts from subscription sign-ins (Claude Pro/Max, ChatGPT, Copilot, …) serve
   * other extensions' requests: off unless the person turned it on (piAccounts.models.subscriptionSignIns).
   */
  readonly subscriptionModels?: () => boolean;
}

/** The setting that lets subscription sign-ins serve other extensions (package.json). */
export const SUBSCRIPTION_SETTING = 'piAccounts.models.subscriptionSignIns';

/**
 * A subscription sign-in: an OAuth account of a provider whose OAuth pi-ai does not mark as a plain
 * API-key grant (OpenRouter's and Radius's OAuth hand out API keys: `subscription: false` in
 * @earendil-works/pi-ai 1.6.1's registry).
 */
export const isSubscriptionAccount = (provider: string, kind: string): boolean =>
  kind === 'oauth' && findProvider(provider)?.pi?.oauth?.subscription !== false;

/**
 * Sends a chat request with the provider's active account and streams the answer. When the
 * account is rate-limited or overloaded (it then rests until Retry-After) or refuses the key
 * (it is marked for a new sign-in), and nothing has streamed yet, the request goes once more to
 * the next account with headroom.
 */
export class ModelBridge {
  private loaded?: Promise<PiModels>;
  /** The account that last served each conversation (bounded): a conversation stays with its account and its prompt cache. */
  private readonly sticky = new Map<string, string>();
  /** Our own requests' ids, for the in-flight counts the balancer weighs. */
  private requests = 0;

  constructor(private readonly deps: BridgeDeps) {}

  /**
   * Accounts a request may use, the conversation's first (its prompt cache stays warm until the
   * account fails or rests), then the balancer's order (balancer mode) or the active account;
   * values accounts only where pi chats from values.
   */
  candidates(provider: string, sessionId?: string): string[] {
    const now = Date.now();
    const stuck = sessionId ? this.sticky.get(`${provider}\n${sessionId}`) : undefined;
    const order = this.deps.rotation.balanced?.(provider)?.map((w) => w.name);
    const active = stuck || (order ? order[0] : this.deps.rotation.inUse(provider)?.name);
    // Not in the balancer's order: not usable now (disabled until the person acts): last.
    const rank = (name: string) =>
      name === active ? -1 : order ? (order.includes(name) ? order.indexOf(name) : order.length) : 0;
    const subscriptions = this.deps.subscriptionModels?.() ?? false;
    return this.deps.vault
      .accounts(provider)
      .filter(
        (a) =>
          (a.kind !== 'env' || FROM_VALUES.has(provider)) &&
          (subscriptions || !isSubscriptionAccount(provider, a.kind)) &&
          !a.needsSignIn &&
          // Disabled until the person acts (no balance, a disabled organisation): a conversation
          // that started there moves on too.
          !this.deps.rotation.holdOf?.(provider, a.name)?.cause &&
          !((this.deps.rotation.cooldownOf(provider, a.name) ?? 0) > now),
      )
      .sort((a, b) => rank(a.name) - rank(b.name))
      .map((a) => a.name);
  }

  /** Providers whose accounts are all subscription sign-ins held back by the setting (for the empty picker's words). */
  heldBack(): string[] {
    if (this.deps.subscriptionModels?.()) return [];
    return this.deps.vault
      .providers()
      .filter((p) => this.deps.vault.accounts(p).every((a) => isSubscriptionAccount(p, a.kind)));
  }

  /** pi's models of every provider that has a usable account (loads pi's provider layer). */
  async models(): Promise<Record<string, ModelSpec[]>> {
    const usable = PROVIDERS.map((p) => p.id).filter((id) => this.candidates(id).length);
    return usable.length ? (await this.pi()).catalog(usable) : {};
  }

  async *chat(provider: string, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    const accounts = this.candidates(provider, req.sessionId);
    if (!accounts.length) {
      const allowed = this.deps.vault
        .accounts(provider)
        .filter((a) => this.deps.subscriptionModels?.() || !isSubscriptionAccount(provider, a.kind));
      if (!allowed.length && this.deps.vault.accounts(provider).length)
        throw new Fault(
          'not-found',
          `${requireProvider(provider).label}'s accounts are subscription sign-ins, which serve other extensions only once you turn that on.`,
          `Read the provider's terms, then turn on the setting "${SUBSCRIPTION_SETTING}" if they allow it.`,
        );
      const resting = allowed.some((a) => !a.needsSignIn);
      throw resting
        ? new ModelError(
            'rate-limited',
            `Every ${requireProvider(provider).label} account is resting after a rate limit.`,
            Math.min(...allowed.map((a) => this.deps.rotation.cooldownOf(provider, a.name) ?? Infinity)),
          )
        : new Fault(
            'not-found',
            `No usable ${requireProvider(provider).label} account for this model.`,
            'Sign in to an account of this provider.',
          );
    }
    for (let attempt = 0; attempt < Math.min(2, accounts.length); attempt++) {
      const account = accounts[attempt];
      let streamed = false;
      const id = String(++this.requests);
      this.deps.rotation.started?.(provider, account, 'bridge', id);
      try {
        for await (const ev of this.send(provider, account, req, signal)) {
          if (!streamed) {
            this.deps.log.info(
              `Language model request for ${provider} served by ${provider}/${account} (${req.model}).`,
            );
            if (req.sessionId) this.stick(provider, req.sessionId, account);
          }
          streamed = true;
          if (ev.type === 'usage') this.deps.onUsage?.(provider, account, ev.input, ev.output, ev.cached ?? 0);
          yield ev;
        }
        return;
      } catch (e) {
        if (streamed || !(e instanceof ModelError) || signal?.aborted) throw e;
        if (e.status !== undefined)
          void this.deps.diagnostics
            ?.explain(provider, account, {
              status: e.status,
              text: e.message,
              model: req.model,
              handledAs: e.kind === 'rate-limited' ? 'rate-limit' : e.kind === 'unauthorized' ? 'disabled' : undefined,
            })
            .catch(() => undefined);
        let rest = '';
        if (e.kind === 'rate-limited') {
          // retryAt is clamped (src/core/llm/reset.ts), so the date is always valid.
          const until = e.retryAt ?? Date.now() + DEFAULT_REST_MS;
          this.deps.feedback.rateLimited(provider, account, until, e.message);
          rest = `; resting until ${new Date(until).toISOString()}`;
        } else if (e.kind === 'unauthorized')
          await this.deps.feedback.refused(provider, account).catch(() => undefined);
        // A 403 may be this account's plan or permissions (not its key): the next account may serve, nothing is marked.
        else if (e.kind !== 'forbidden') throw e;
        this.deps.log.warn(
          `${provider}/${account}: ${e.message}${rest}${attempt + 1 < Math.min(2, accounts.length) ? '; trying the next account' : ''}.`,
        );
        if (attempt + 1 >= Math.min(2, accounts.length)) throw e;
      } finally {
        this.deps.rotation.ended?.('bridge', id);
      }
    }
  }

  private stick(provider: string, sessionId: string, account: string): void {
    const key = `${provider}\n${sessionId}`;
    this.sticky.delete(key);
    this.sticky.set(key, account);
    if (this.sticky.size > 500) this.sticky.delete(this.sticky.keys().next().value as string);
  }

  /** The HTTP options (proxy) requests use. */
  httpOptions(): HttpOptions {
    return this.deps.http?.() ?? {};
  }

  /**
   * Where the account's requests go, with its key: refreshed first when needed, unless `refresh`
   * is false (a request through pi-ai's Models, which refreshes inside the vault's store).
   */
  async endpoint(provider: string, account: string, refresh = true): Promise<Endpoint> {
    const credential = this.deps.vault.credential(provider, account);
    let key: string;
    try {
      key = refresh ? await this.deps.resolver.key(provider, account) : credential ? keyOf(credential) : '';
    } catch (e) {
      throw this.authFailed(provider, account, e);
    }
    const request = this.deps.vault.request(provider, account);
    // The values beside a key (Azure resource, Vertex project, Cloudflare account), or a values-only account's.
    const vars =
      credential?.type === 'env'
        ? credential.vars
        : credential?.type === 'api_key' || credential?.type === 'ref'
          ? credential.env
          : undefined;
    // A sign-in's base URL (Copilot's from its token) is pi-ai's to derive (oauth.toAuth in models.ts).
    const baseUrl = this.deps.testRoute?.(provider) ?? request?.baseUrl;
    return {
      ...(baseUrl ? { baseUrl } : {}),
      key,
      ...(credential?.type === 'oauth' ? { oauth: publicFields(credential) } : {}),
      ...(vars ? { vars } : {}),
      ...(request?.headers ? { headers: request.headers } : {}),
    };
  }

  private pi(): Promise<PiModels> {
    const started = Date.now();
    this.loaded ??= this.deps
      .load()
      .then((m) => (this.deps.log.info(`Loaded pi's model layer in ${Date.now() - started} ms.`), m))
      .catch((e: unknown) => {
        this.loaded = undefined;
        // Its own code (not 'not-found'): nothing is missing that a sign-in would bring, and a
        // language-model caller gets 'Unknown', not NoPermissions (callerCode in ./errors).
        throw new Fault(
          'model-layer-failed',
          `Pi Accounts could not load its model layer: ${(e as Error).message}`,
          'Reinstall the extension; the log has the details.',
        );
      });
    return this.loaded;
  }

  private async *send(
    provider: string,
    account: string,
    req: ChatRequest,
    signal?: AbortSignal,
  ): AsyncGenerator<StreamEvent> {
    const pi = await this.pi();
    // pi-ai's Models serves the request with the vault as its CredentialStore presenting this
    // account, wherever pi-ai has the auth for the account's kind of credential (storeServes).
    const credential = this.deps.vault.credential(provider, account);
    const viaStore = !!credential && (await pi.storeServes(provider, credential.type === 'oauth'));
    const endpoint = await this.endpoint(provider, account, !viaStore);
    const p = requireProvider(provider);
    const options = endpoint.vars && p.streamOptions ? defined(p.streamOptions(endpoint.vars, req.model)) : undefined;
    yield* pi.streamModel(
      provider,
      req,
      { ...endpoint, ...(options ? { options } : {}) },
      {
        label: p.label,
        signal,
        fail: (kind, message, retryAt, status) => new ModelError(kind, message, retryAt, status),
        ...(viaStore
          ? {
              credentials: this.deps.resolver.credentialStore(provider, account),
              authFailed: (e: unknown) => this.authFailed(provider, account, e),
            }
          : {}),
      },
    );
  }

  /** A failure to get the account's auth (a refresh, under the lock): refused sign-ins rotate. */
  private authFailed(provider: string, account: string, e: unknown): Error {
    // pi-ai's Models wraps what the store threw (ModelsError's `cause`, pi-ai 1.6.1).
    const cause = !isFault(e) && e instanceof Error && e.cause !== undefined ? e.cause : e;
    if (isFault(cause, 'needs-sign-in'))
      return new ModelError('unauthorized', `${provider}/${account} needs a new sign-in.`);
    if (cause instanceof Error && (isFault(cause) || cause instanceof ModelError)) return cause;
    // Anything else (a missing value, a bug) is no reason to mark the account refused.
    return new Fault(
      'unexpected',
      `${requireProvider(provider).label}: ${bounded(cause instanceof Error ? cause.message : String(cause))}`,
      'See the Pi Accounts log.',
    );
  }
}

/** A sign-in's fields but its tokens. */
const publicFields = (c: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(c).filter(([k]) => !['type', 'access', 'refresh', 'expires'].includes(k)));

const defined = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter((kv): kv is [string, string] => !!kv[1]));
