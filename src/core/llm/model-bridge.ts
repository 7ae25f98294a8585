import { Fault, isFault } from '../faults';
import type { HttpOptions } from '../http';
import type { Logger } from '../log';
import type { Feedback } from '../outlet';
import { DEFAULT_REST_MS } from '../rotation/rest';
import { findProvider, PROVIDERS, requireProvider } from '../providers/directory';
import type { KeyResolver } from '../resolver';
import type { Rotation } from '../rotation/rotation';
import type { Vault } from '../vault';
import type { ChatRequest, Endpoint, ModelSpec, StreamEvent } from './chat';
import { ModelError } from './errors';

// Values-only accounts (no key) that pi can chat with: Vertex with Application Default
// Credentials. Bedrock's (an AWS profile or key pair) need the AWS SDK, which is not bundled.
const FROM_VALUES = new Set(['google-vertex']);

/** pi's provider layer (src/core/llm/models.ts), its own bundle (dist/pi-ai.js), loaded on first use. */
export type PiModels = Pick<typeof import('./models'), 'catalog' | 'streamModel'>;

export interface BridgeDeps {
  readonly vault: Vault;
  readonly resolver: KeyResolver;
  readonly rotation: Pick<Rotation, 'active' | 'cooldownOf'>;
  /** Where a 429 or a refused key is written back. */
  readonly feedback: Pick<Feedback, 'rateLimited' | 'refused'>;
  readonly log: Logger;
  /** Loads pi's provider layer; called once, on the first listing or request. */
  readonly load: () => Promise<PiModels>;
  readonly http?: () => HttpOptions | undefined;
  /** Test servers for a provider's API (loopback only, like the OAuth overrides). */
  readonly baseUrlOverride?: (provider: string) => string | undefined;
  readonly onUsage?: (provider: string, account: string, input: number, output: number, cached: number) => void;
}

/**
 * Sends a chat request with the provider's active account and streams the answer. When the
 * account is rate-limited or overloaded (it then rests until Retry-After) or refuses the key
 * (it is marked for a new sign-in), and nothing has streamed yet, the request goes once more to
 * the next account with headroom.
 */
export class ModelBridge {
  private loaded?: Promise<PiModels>;

  constructor(private readonly d: BridgeDeps) {}

  /** Accounts a request may use, the active one first; values accounts only where pi chats from values. */
  candidates(provider: string): string[] {
    const now = Date.now();
    const active = this.d.rotation.active(provider)?.name;
    return this.d.vault
      .accounts(provider)
      .filter(
        (a) =>
          (a.kind !== 'env' || FROM_VALUES.has(provider)) &&
          !a.needsSignIn &&
          !((this.d.rotation.cooldownOf(provider, a.name) ?? 0) > now),
      )
      .sort((a, b) => Number(b.name === active) - Number(a.name === active))
      .map((a) => a.name);
  }

  /** pi's models of every provider that has a usable account (loads pi's provider layer). */
  async models(): Promise<Record<string, ModelSpec[]>> {
    const usable = PROVIDERS.map((p) => p.id).filter((id) => this.candidates(id).length);
    return usable.length ? (await this.pi()).catalog(usable) : {};
  }

  async *chat(provider: string, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
    const accounts = this.candidates(provider);
    if (!accounts.length)
      throw new Fault(
        'not-found',
        `No usable ${requireProvider(provider).label} account for this model.`,
        'Sign in, or wait until an account is no longer resting.',
      );
    for (let attempt = 0; attempt < Math.min(2, accounts.length); attempt++) {
      const account = accounts[attempt];
      let streamed = false;
      try {
        for await (const ev of this.send(provider, account, req, signal)) {
          if (!streamed)
            this.d.log.info(`Language model request for ${provider} served by ${provider}/${account} (${req.model}).`);
          streamed = true;
          if (ev.type === 'usage') this.d.onUsage?.(provider, account, ev.input, ev.output, ev.cached ?? 0);
          yield ev;
        }
        return;
      } catch (e) {
        if (streamed || !(e instanceof ModelError) || signal?.aborted) throw e;
        if (e.kind === 'rate-limited')
          this.d.feedback.rateLimited(provider, account, e.retryAt ?? Date.now() + DEFAULT_REST_MS, e.message);
        else if (e.kind === 'unauthorized') await this.d.feedback.refused(provider, account).catch(() => undefined);
        else throw e;
        this.d.log.warn(
          `${provider}/${account}: ${e.message}${attempt + 1 < Math.min(2, accounts.length) ? '; trying the next account' : ''}.`,
        );
        if (attempt + 1 >= Math.min(2, accounts.length)) throw e;
      }
    }
  }

  /** The HTTP options (proxy) requests use. */
  httpOptions(): HttpOptions {
    return this.d.http?.() ?? {};
  }

  /** Where the account's requests go, with its key (refreshed first when needed). */
  async endpoint(provider: string, account: string): Promise<Endpoint> {
    let key: string;
    try {
      key = await this.d.resolver.key(provider, account);
    } catch (e) {
      if (isFault(e, 'needs-sign-in'))
        throw new ModelError('unauthorized', `${provider}/${account} needs a new sign-in.`);
      throw e;
    }
    const request = this.d.vault.request(provider, account);
    const credential = this.d.vault.credential(provider, account);
    // The values beside a key (Azure resource, Vertex project, Cloudflare account), or a values-only account's.
    const vars =
      credential?.type === 'env' ? credential.vars : credential?.type === 'api_key' ? credential.env : undefined;
    const signedIn = credential?.type === 'oauth' ? findProvider(provider)?.modelBaseUrl?.(credential, key) : undefined;
    const baseUrl = this.d.baseUrlOverride?.(provider) ?? request?.baseUrl ?? signedIn;
    return {
      ...(baseUrl ? { baseUrl } : {}),
      key,
      ...(vars ? { vars } : {}),
      ...(request?.headers ? { headers: request.headers } : {}),
    };
  }

  private pi(): Promise<PiModels> {
    const started = Date.now();
    this.loaded ??= this.d
      .load()
      .then((m) => (this.d.log.info(`Loaded pi's model layer in ${Date.now() - started} ms.`), m))
      .catch((e: unknown) => {
        this.loaded = undefined;
        throw new Fault(
          'not-found',
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
    const endpoint = await this.endpoint(provider, account);
    const p = requireProvider(provider);
    const options = endpoint.vars && p.streamOptions ? defined(p.streamOptions(endpoint.vars, req.model)) : undefined;
    const pi = await this.pi();
    yield* pi.streamModel(
      provider,
      req,
      { ...endpoint, ...(options ? { options } : {}) },
      { label: p.label, signal, fail: (kind, message, retryAt) => new ModelError(kind, message, retryAt) },
    );
  }
}

const defined = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter((kv): kv is [string, string] => !!kv[1]));
