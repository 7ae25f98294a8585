// Sticky sessions: the key a pi session last used with success stays its key while Pi Accounts
// only moves the account in use on its own (round-robin, the balancer, another pi's failure), so
// the provider's prompt cache for this session survives (ENTERPILOT/GoModel#516: rotation that
// changes keys mid-conversation defeats prompt caching). One pi process runs one session at a
// time, so the pin is per process and per provider. The pinned key is one pi itself sent: no
// secret crosses the channel, only fingerprints (protocol.ts's reloadSchema).
import { fingerprint, type PiReload } from '../src/core/pi-link/protocol';

/** Answers that end a pin: the key was refused, is out of balance, or is rate-limited. */
export const UNPINS = new Set([401, 402, 403, 429]);

export class Pins {
  /** provider → the secret its last successful request carried. */
  private readonly keys = new Map<string, string>();

  /** The key pi should send for `provider`, when this session has one pinned. */
  keyFor(provider: string): string | undefined {
    return this.keys.get(provider);
  }

  /** pi's answer for a request that carried `secret`: a success pins it, a refusal or 429 ends the pin. */
  answered(provider: string, secret: string | undefined, status: number): void {
    if (UNPINS.has(status)) this.keys.delete(provider);
    else if (status < 400 && secret) this.keys.set(provider, secret);
  }

  /**
   * Pi Accounts switched: a soft switch keeps each pin whose key is still usable; anything else
   * (a switch by hand, an older window's reload, the answer to this pi's own failure) ends them all.
   */
  reloaded(r: Pick<PiReload, 'soft' | 'usable'> | undefined): void {
    if (!r?.soft) return this.keys.clear();
    const usable = new Set(r.usable ?? []);
    for (const [provider, secret] of this.keys) if (!usable.has(fingerprint(secret))) this.keys.delete(provider);
  }

  /** Every pin (provider → key), for a child pi of this session (inherit.ts). */
  all(): Record<string, string> {
    return Object.fromEntries(this.keys);
  }

  /** How many providers have a pinned key (for tests and the log). */
  get size(): number {
    return this.keys.size;
  }
}
