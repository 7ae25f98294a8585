// Pi Accounts' companion: a pi extension (@earendil-works/pi-coding-agent 1.6.0,
// docs/extensions.md) installed by "Connect pi…". It reports the outcome of every provider
// request pi makes to the Pi Accounts window(s) of this user, naming the credential the request
// carried by fingerprint, and makes a running pi take a switch whole: pi 1.x re-reads auth.json
// by itself (0.84.0), but not models.json, so the companion applies the base URL and headers the
// new account has there.
// Hooks used (pi 1.6.0's ExtensionAPI):
// - ctx.modelRegistry.getProviderAuth(id): the credential pi resolves for the request (0.80.8;
//   pi 0.73.1's ctx.modelRegistry.authStorage where that is all there is);
// - pi.registerProvider(id, { baseUrl, headers }): takes effect at once for later requests
//   (docs/custom-provider.md, "Redirect an existing provider");
// - before_provider_headers: drops headers models.json gave pi at start that the account in use
//   no longer has;
// - before_provider_request: arms the watch on pi's fetch (below) for the request about to go;
// - after_provider_response: status and rate-limit headers of answers pi-ai hands over
//   (successful ones: the providers' SDKs throw on an error status before that hook);
// - message_end: an assistant message that ended in error carries the status in its text; every
//   assistant message ends the request in flight (the balancer's counts: before_provider_request
//   starts one, with pi's session id from ctx.sessionManager.getSessionId());
// - pi.registerCommand('accounts') and ctx.ui.select / notify / setStatus: pi's `/accounts` and
//   the footer status (accounts-command.ts);
// - model_select: the footer follows the provider of the model in use.
// Sticky sessions (sticky.ts): after a soft switch the watch on pi's fetch puts the key this
// session last used with success back into the request's credential header, until that key fails
// or Pi Accounts says its account cannot be used; every other switch is taken as before. Only
// to the origin (scheme, host, port) that key went to, only while a window listens, only a key the window vouches for
// under the same provider. A pi started by this one (a subagent) starts with the same pins
// (inherit.ts: a secret in the environment, a private socket).
// It still loads in pi 0.73.1 (the same hooks, authStorage for the key and its reload()).
import type { ExtensionAPI, ExtensionContext } from '@mariozechner/pi-coding-agent' with {
  'resolution-mode': 'import',
};
import { channelDir } from '../src/core/pi-link/channel-dir';
import { fingerprint, isUsageHeader, PROTOCOL, type PiReport } from '../src/core/pi-link/protocol';
import { AccountsCommand } from './accounts-command';
import { Link, windowsListening } from './link';
import { piVersion } from './pi-version';
import { RequestSettings } from './request-settings';
import { Pins } from './sticky';
import { inheritPins, offerToChildren, PARENT_ENV } from './inherit';

export const COMPANION_VERSION = '4';

type Stored = { type?: string; key?: string; access?: string } | undefined;
type AuthResult = { auth?: { apiKey?: string; headers?: Record<string, string | null> } } | undefined;
/** The parts of ctx.modelRegistry this file uses, in pi 1.x and in 0.73.1. */
type Registry = {
  getProviderAuth?: (provider: string) => Promise<AuthResult>;
  authStorage?: { get(provider: string): Stored; reload(): void };
};

/**
 * Headers a provider request carries its credential in (pi-ai 1.6.1's API implementations).
 * Not cf-aig-authorization: that is the Cloudflare AI Gateway's own token, never the provider key,
 * so it is neither reported nor rewritten.
 */
const AUTH_HEADER = /^(authorization|x-api-key|api-key|x-goog-api-key)$/i;
/** The stop reasons of an answer that went through (pi-ai 1.6.1's StopReason): only these pin. */
const ANSWERED = new Set(['stop', 'toolUse', 'length']);

/** The HTTP status in pi-ai's error text ("429 {…}" from the providers' SDKs). */
export function statusOf(error: string): number | undefined {
  const m = /^(\d{3})\b/.exec(error) ?? /\b(401|403|429)\b/.exec(error);
  return m ? Number(m[1]) : undefined;
}

/** The secret a resolved auth carries: the key, or a bearer token pi sends as a header. */
function secretOf(r: AuthResult): string | undefined {
  if (r?.auth?.apiKey) return r.auth.apiKey;
  for (const v of Object.values(r?.auth?.headers ?? {}))
    if (typeof v === 'string' && /^Bearer \S/.test(v)) return v.slice('Bearer '.length);
  return undefined;
}

/** The origin (scheme, host and port) a fetch goes to, or undefined when its input is not a URL. */
function originOf(input: Parameters<typeof fetch>[0]): string | undefined {
  try {
    return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).origin;
  } catch {
    return undefined;
  }
}

/** The secret in a request's credential header (a bearer token without its scheme). */
function secretIn(headers: Headers): string | undefined {
  for (const [name, v] of headers) if (AUTH_HEADER.test(name) && v) return v.replace(/^Bearer\s+/i, '');
  return undefined;
}

export default function piAccountsCompanion(pi: ExtensionAPI): void {
  let seq = 0;
  /** The request in flight (its id), reported at its start and its end. */
  let rid = 0;
  let flying: number | undefined;
  let carried: string | undefined;
  /** Where the request that carried `carried` went (a pin goes back only there). */
  let carriedOrigin: string | undefined;
  /** The pins' generation when the request started (sticky.ts: a later switch by hand wins). */
  let carriedGen = 0;
  /** The provider of the request the watch on fetch is armed for. */
  let armedFor: string | undefined;
  /** The key pi resolved for that request (before any pin): only a fetch carrying it is rewritten. */
  let resolved: string | undefined;
  const pins = new Pins();
  /** Ends the offer of this pi's pins to its children (set once, at the first session start). */
  let stopOffer: (() => void) | undefined;
  let offering = false;
  let registry: Registry | undefined;
  // The provider's own base URL (for an account without one, after one with one): pi-ai's
  // catalog, as pi's extension loader resolves it for extensions (pi 1.x; none in 0.73.1).
  let builtin: ((id: string) => string | undefined) | undefined;
  void (import('@earendil-works/pi-ai/providers/all') as Promise<unknown>).then(
    (m) =>
      (builtin = (id) =>
        (m as { getBuiltinModels(id: string): { baseUrl?: string }[] }).getBuiltinModels(id)[0]?.baseUrl),
    () => undefined,
  );
  const settings = new RequestSettings(pi, undefined, (id) => builtin?.(id));
  // Pi Accounts switched the account: auth.json is re-read by pi 1.x itself (and by 0.73.1's
  // reload()); the account's base URL and headers are applied from models.json.
  const apply = () => {
    try {
      registry?.authStorage?.reload();
    } catch {
      // pi keeps the credential it has
    }
    settings.apply();
  };
  const link = new Link(
    channelDir(),
    { v: PROTOCOL, type: 'hello', pid: process.pid, companion: COMPANION_VERSION, piVersion: piVersion() },
    (r) => (pins.reloaded(r), apply(), void accounts.refresh()),
    () => void accounts.refresh(),
    // A window came or the last one went: a switch may have been missed meanwhile, so no pin
    // outlives it to override what auth.json holds.
    () => pins.reloaded(undefined),
  );
  // A switch chosen in this pi's `/accounts` is the person's: the pins end.
  const accounts = new AccountsCommand(
    pi,
    link,
    () => ++seq,
    () => (pins.reloaded(undefined), apply()),
  );
  accounts.register();

  const base = (ctx: ExtensionContext, status: number) =>
    ({
      v: PROTOCOL,
      type: 'report',
      pid: process.pid,
      seq: ++seq,
      provider: ctx.model?.provider ?? 'unknown',
      model: ctx.model?.id,
      status,
      headers: {},
      key: carried ? fingerprint(carried) : undefined,
    }) as PiReport;

  // What the request really carries. Pi Accounts may switch (and pi re-read auth.json) between
  // pi resolving the key and any hook asking getProviderAuth: with two pi on one auth.json, a 429
  // answered to A was once reported as B's, resting B too. So the credential named is the one in
  // the first request pi's fetch sends after before_provider_request (the providers' SDKs add it
  // there: pi-ai 1.6.1 hands an API key to the SDK, not to the hooks' headers). The wrapper only
  // reads; what getProviderAuth resolves is the fallback (a WebSocket transport, pi 0.73.1).
  let armed = false;
  const watchFetch = () => {
    const inner = globalThis.fetch;
    if ((inner as { piAccounts?: true }).piAccounts) return;
    const watched = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      if (armed) {
        let headers: Headers;
        try {
          headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
        } catch {
          return inner(input, init); // headers Headers refuses (its message would quote them): untouched
        }
        const secret = secretIn(headers);
        if (secret) {
          const origin = originOf(input);
          [carried, carriedOrigin, armed] = [secret, origin, false];
          // Sticky sessions: the pinned key instead of the one auth.json now holds, in the same
          // header and scheme (init's headers win over a Request's, WHATWG fetch).
          const pin =
            armedFor !== undefined && origin !== undefined
              ? pins.replacement(armedFor, origin, secret, resolved, link.connected())
              : undefined;
          if (pin !== undefined) {
            try {
              for (const [name, v] of [...headers])
                if (AUTH_HEADER.test(name) && v) headers.set(name, v.split(secret).join(pin));
            } catch {
              return inner(input, init); // a value Headers refuses: the request goes as pi made it
            }
            carried = pin;
            return inner(input, { ...init, headers });
          }
        }
      }
      return inner(input, init);
    };
    globalThis.fetch = Object.assign(watched, { piAccounts: true as const });
  };

  pi.on('session_start', async (_e, ctx) => {
    registry = ctx.modelRegistry;
    // pi 1.x sends its first request within milliseconds of starting: when a Pi Accounts window
    // listens, the connection is made first (bounded), so that request is reported too.
    if (!link.connected() && windowsListening(channelDir()))
      for (let i = 0; i < 100 && !link.connected(); i++) await new Promise((r) => setTimeout(r, 5));
    // Before the first request: the SDKs take fetch when pi-ai creates their client, which is
    // before before_provider_request.
    if (link.connected()) watchFetch();
    // A subagent: the pi that started this one shares its pinned keys (inherit.ts); then this pi
    // offers its own pins to the processes it starts.
    if (link.connected() && !offering) {
      offering = true;
      const gen = pins.generation;
      pins.inherit(await inheritPins(process.env[PARENT_ENV], channelDir()), gen);
      stopOffer = await offerToChildren(channelDir(), pins);
    }
    accounts.seen(ctx);
  });

  pi.on('model_select', (_e, ctx) => accounts.seen(ctx));

  pi.on(
    'before_provider_headers' as never,
    ((e: { headers: Record<string, string | null> }, ctx: ExtensionContext) => {
      const provider = ctx.model?.provider;
      if (provider) settings.dropStale(provider, e.headers);
    }) as never,
  );

  pi.on('before_provider_request', async (_e, ctx) => {
    if (!link.connected()) return undefined;
    watchFetch();
    const provider = ctx.model?.provider;
    const r = ctx.modelRegistry as unknown as Registry;
    try {
      armed = false;
      carriedOrigin = undefined;
      carriedGen = pins.generation;
      if (!provider) carried = undefined;
      else if (r.getProviderAuth) {
        carried = secretOf(await r.getProviderAuth(provider));
      } else {
        const s = r.authStorage?.get(provider);
        carried = s?.type === 'api_key' ? s.key : s?.type === 'oauth' ? s.access : undefined;
      }
    } catch {
      carried = undefined;
    }
    resolved = carried;
    // A pinned key the watch on fetch will put in is what the request carries: the start names
    // it, so the balancer counts it in flight on the account it really goes to. Only when it will
    // be put in: the watch is on, and the request goes to the origin the pin went to (the model's
    // base URL). Otherwise (a WebSocket transport, another origin) it is the key pi resolved, and
    // the reports name the pin only once the watch has put it in (`carried`).
    let starts = carried;
    const origin = originOf(ctx.model?.baseUrl ?? '');
    if (provider !== undefined && origin !== undefined && (globalThis.fetch as { piAccounts?: true }).piAccounts)
      starts = pins.replacement(provider, origin, resolved ?? '', resolved, true) ?? carried;
    armed = true;
    armedFor = provider;
    if (provider) {
      // pi retried without an assistant message in between: the earlier attempt is over.
      if (flying !== undefined)
        void link.send({ v: PROTOCOL, type: 'request', phase: 'end', pid: process.pid, id: flying, provider });
      flying = ++rid;
      let session: string | undefined;
      try {
        session = ctx.sessionManager.getSessionId().slice(0, 100);
      } catch {
        // pi 0.73.1's session manager may not say
      }
      void link.send({
        v: PROTOCOL,
        type: 'request',
        phase: 'start',
        pid: process.pid,
        id: flying,
        provider,
        key: starts ? fingerprint(starts) : undefined,
        session,
      });
    }
    return undefined;
  });

  pi.on('after_provider_response', (e, ctx) => {
    if (!link.connected()) return;
    const r = base(ctx, e.status);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(e.headers))
      if (isUsageHeader(name.toLowerCase()) && typeof value === 'string')
        headers[name.toLowerCase()] = value.slice(0, 500);
    r.headers = headers;
    r.wantsAck = e.status >= 400;
    if (ctx.model?.provider) pins.answered(ctx.model.provider, carried, carriedOrigin, e.status, carriedGen);
    carriedOrigin = undefined; // one outcome per request: nothing later pins from it
    return link.send(r).then(() => undefined);
  });

  pi.on('message_end', async (e, ctx) => {
    const m = e.message as { role?: string; stopReason?: string; errorMessage?: string };
    if (m.role === 'assistant' && flying !== undefined && link.connected()) {
      const id = flying;
      flying = undefined;
      const provider = ctx.model?.provider ?? 'unknown';
      void link.send({ v: PROTOCOL, type: 'request', phase: 'end', pid: process.pid, id, provider });
    }
    if (m.role !== 'assistant' || !link.connected()) return;
    // pi 0.73.1 hands no successful answer to after_provider_response: a message that went
    // through pins the key it carried there too (not one aborted or in error).
    if (ANSWERED.has(m.stopReason ?? '') && ctx.model?.provider) {
      pins.answered(ctx.model.provider, carried, carriedOrigin, 200, carriedGen);
      carriedOrigin = undefined;
    }
    if (m.stopReason !== 'error' || !m.errorMessage) return;
    const status = statusOf(m.errorMessage);
    if (status === undefined) return;
    if (ctx.model?.provider) pins.answered(ctx.model.provider, carried, carriedOrigin, status, carriedGen);
    carriedOrigin = undefined;
    const r = base(ctx, status);
    r.error = m.errorMessage.slice(0, 300);
    r.wantsAck = true;
    // Held until Pi Accounts decided (at most ACK_TIMEOUT_MS): pi's retry comes after this.
    await link.send(r);
  });

  pi.on('session_shutdown', () => (stopOffer?.(), link.close()));
}
