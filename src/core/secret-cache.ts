// Keys read from a password manager, held in memory only and for a bounded time: resolved at the
// last moment (a terminal, a model request, a key check), read once however many ask at once,
// forgotten after `lifetimeMs` so a key changed in the password manager is picked up and no copy
// outlives its use for long. A failed read is not cached: the next use asks again.
import { Emitter } from './events';
import { readSecret, type ReadOptions } from './secret-reader';
import type { SecretRef } from './secret-ref';

export const SECRET_LIFETIME_MS = 15 * 60_000;

export interface SecretCacheOptions {
  readonly lifetimeMs?: number;
  readonly now?: () => number;
  /** The environment the tools run in (tests put stand-ins first on PATH). */
  readonly env?: () => NodeJS.ProcessEnv | undefined;
  readonly timeoutMs?: number;
  /** Replaces the real reader (tests). */
  readonly read?: (ref: SecretRef, o: ReadOptions) => Promise<string>;
}

const keyOfRef = (ref: SecretRef) => JSON.stringify(ref);

export class SecretCache {
  private readonly held = new Map<string, { readonly value: string; readonly until: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly resolved = new Emitter<SecretRef>('a key read from a password manager');
  /** A key was read (for the redactor, before anyone else hears of it, and for terminals). */
  readonly onDidResolve = this.resolved.event;
  private readonly now: () => number;
  private readonly lifetime: number;

  constructor(private readonly o: SecretCacheOptions = {}) {
    this.now = o.now ?? Date.now;
    this.lifetime = o.lifetimeMs ?? SECRET_LIFETIME_MS;
  }

  /** The key, read now unless a read of it is younger than the lifetime. */
  resolve(ref: SecretRef): Promise<string> {
    const id = keyOfRef(ref);
    const hit = this.peek(ref);
    if (hit !== undefined) return Promise.resolve(hit);
    let run = this.inflight.get(id);
    if (!run) {
      const read = this.o.read ?? readSecret;
      run = read(ref, { env: this.o.env?.(), timeoutMs: this.o.timeoutMs })
        .then((value) => {
          this.held.set(id, { value, until: this.now() + this.lifetime });
          this.resolved.fire(ref);
          return value;
        })
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, run);
    }
    return run;
  }

  /** Reads afresh (sign-in's one validating read), replacing what is held. */
  readNow(ref: SecretRef): Promise<string> {
    this.held.delete(keyOfRef(ref));
    return this.resolve(ref);
  }

  /** The held key if it is still within its lifetime; never starts a read. */
  peek(ref: SecretRef): string | undefined {
    const id = keyOfRef(ref);
    const h = this.held.get(id);
    if (!h) return undefined;
    if (this.now() < h.until) return h.value;
    this.held.delete(id);
    return undefined;
  }

  /** Every key held now, for the redactor. */
  values(): string[] {
    return [...this.held.values()].map((h) => h.value);
  }

  forget(ref?: SecretRef): void {
    if (ref) this.held.delete(keyOfRef(ref));
    else this.held.clear();
  }

  dispose(): void {
    this.held.clear();
    this.resolved.dispose();
  }
}
