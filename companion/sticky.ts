// Sticky sessions: the key a pi session last used with success stays its key while Pi Accounts
// only moves the account in use on its own (round-robin, the balancer, another pi's failure), so
// the provider's prompt cache for this session survives (ENTERPILOT/GoModel#516: rotation that
// changes keys mid-conversation defeats prompt caching). One pi process runs one session at a
// time, so the pin is per process and per provider. The pinned key is one pi itself sent: no
// secret crosses the channel, only fingerprints (protocol.ts's reloadSchema).
//
// What a pin may do is narrow (the companion rewrites pi's credential header with it): the key
// goes back only to the origin it was sent to with success, for the same provider, only while a
// Pi Accounts window listens, and only while the window's latest soft reload lists its
// fingerprint under that provider (a key Pi Accounts itself holds for pi, not resting). Every
// other reload (a switch by hand, `/accounts`, a mode change, this pi's own failure) ends them all.
import { fingerprint, type PiReload, type Usable } from '../src/core/pi-link/protocol';

/** Answers that end a pin: the key was refused, is out of balance, or is rate-limited. */
export const UNPINS = new Set([401, 402, 403, 429]);

/**
 * A pinned key and the origin (scheme, host and port: WHATWG URL's `origin`) it was sent to with
 * success: a key sent over https never goes into a plain-http request to the same host.
 */
export interface Pin {
  readonly key: string;
  readonly origin: string;
}

/** What a parent pi hands its children (inherit.ts): its usable pins and the fingerprints vouching for them. */
export interface Inherited {
  readonly pins: Record<string, Pin>;
  readonly usable: Usable;
}

export class Pins {
  /** provider → the secret its last successful request carried, and where it went. */
  private readonly pins = new Map<string, Pin>();
  /** The window's latest soft reload: provider → fingerprints of keys a session may keep. */
  private vouched: Usable = {};
  private gen = 0;

  /**
   * Bumped by every reload that ends the pins (a switch by hand, `/accounts`): an answer to a
   * request started before it, or a parent's pins asked for before it, must not pin again what
   * the switch ended. Read it when the request starts (or the question is asked), hand it back.
   */
  get generation(): number {
    return this.gen;
  }

  /** Whether `key` is one the window vouched for under `provider`. */
  private vouches(provider: string, key: string): boolean {
    return Object.hasOwn(this.vouched, provider) && this.vouched[provider].includes(fingerprint(key));
  }

  /** The key this session has pinned for `provider` and the window vouches for (the start of a request names it). */
  keyFor(provider: string): string | undefined {
    const p = this.pins.get(provider);
    return p && this.vouches(provider, p.key) ? p.key : undefined;
  }

  /**
   * The key to put in place of `sent` in a request to `origin` for `provider`, or undefined to send
   * the request as pi made it: no window listens, nothing is pinned, the pin went elsewhere, the
   * window does not (or no longer) vouch for it, pi already sends it, or `sent` is not the key pi
   * resolved for this provider's request (`resolved`, before any pin): then the fetch is another
   * one (another provider's, another extension's) and is none of the pin's business.
   */
  replacement(
    provider: string,
    origin: string,
    sent: string,
    resolved: string | undefined,
    listening: boolean,
  ): string | undefined {
    if (!listening || resolved === undefined || sent !== resolved) return undefined;
    const p = this.pins.get(provider);
    if (!p || p.origin !== origin || p.key === sent || !this.vouches(provider, p.key)) return undefined;
    return p.key;
  }

  /**
   * pi's answer for a request that carried `secret` to `origin`: a success pins it (when that is
   * known: a key is only ever sent back where it went, and no switch that ends the pins came after
   * the request's start at `generation`), a refusal or 429 ends the pin.
   */
  answered(
    provider: string,
    secret: string | undefined,
    origin: string | undefined,
    status: number,
    generation = this.gen,
  ): void {
    if (UNPINS.has(status)) this.pins.delete(provider);
    else if (status < 400 && secret && origin && generation === this.gen)
      this.pins.set(provider, { key: secret, origin });
  }

  /**
   * Pi Accounts switched: a soft switch keeps each pin whose key it lists as usable for the same
   * provider; anything else (a switch by hand, an older window's reload, the answer to this pi's
   * own failure) ends them all.
   */
  reloaded(r: Pick<PiReload, 'soft' | 'usable'> | undefined): void {
    if (!r?.soft) {
      this.gen++;
      this.pins.clear();
      this.vouched = {};
      return;
    }
    this.vouched = r.usable ?? {};
    for (const [provider, p] of this.pins) if (!this.vouches(provider, p.key)) this.pins.delete(provider);
  }

  /** The pins a child pi of this session may start with (inherit.ts): only those the window vouches for. */
  forChildren(): Inherited {
    const out: { pins: Record<string, Pin>; usable: Usable } = { pins: {}, usable: {} };
    for (const [provider, p] of this.pins)
      if (this.vouches(provider, p.key)) {
        out.pins[provider] = p;
        out.usable[provider] = this.vouched[provider];
      }
    return out;
  }

  /**
   * A child pi starts with its parent's pins (asked for at `generation`); its own window's next
   * reload judges them again. Pins that arrive after a switch that ends the pins are dropped.
   */
  inherit(from: Inherited, generation = this.gen): void {
    if (generation !== this.gen) return;
    for (const [provider, p] of Object.entries(from.pins)) {
      if (!Object.hasOwn(from.usable, provider)) continue;
      this.vouched[provider] = from.usable[provider];
      if (this.vouches(provider, p.key)) this.pins.set(provider, p);
    }
  }

  /** How many providers have a pinned key (for tests and the log). */
  get size(): number {
    return this.pins.size;
  }
}
