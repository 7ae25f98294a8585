import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emitter } from '../../src/core/events';
import { requireProvider } from '../../src/core/providers/directory';
import type { InUseAccounts } from '../../src/core/rotation/rotation';
import type { SecretStore } from '../../src/core/secret-store';
import type { Vault } from '../../src/core/vault';

/** Our own SecretStore port over a Map; several instances can share one map like two windows. */
export class MemorySecretStore implements SecretStore {
  private readonly emitter: Emitter<string>;
  constructor(
    readonly map = new Map<string, string>(),
    shared?: Emitter<string>,
  ) {
    this.emitter = shared ?? new Emitter<string>();
  }
  async get(key: string) {
    return this.map.get(key);
  }
  async store(key: string, value: string) {
    this.map.set(key, value);
    this.emitter.fire(key);
  }
  async delete(key: string) {
    this.map.delete(key);
    this.emitter.fire(key);
  }
  onDidChange(listener: (key: string) => void) {
    return this.emitter.event(listener);
  }
  /** A second "window" on the same storage. */
  sibling(): MemorySecretStore {
    return new MemorySecretStore(this.map, this.emitter);
  }
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pi-accounts-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const KEY_A = 'sk-ant-api03-AAAAbbbbCCCCddddEEEEffff1111';
export const KEY_B = 'sk-ant-api03-ZZZZyyyyWWWWvvvvUUUUtttt2222';
export const KEY_OPENAI = 'sk-proj-0123456789abcdefghijKLMNOP';

/** Without rotation the active account of a provider is simply its default. */
export const defaultsOf = (vault: Vault): InUseAccounts => ({ inUse: (provider) => vault.inUse(provider) });

/** A provider's sign-in forms, as its descriptor declares them. */
export const formsOf = (provider: string) => requireProvider(provider).forms ?? [];

/** Waits until `cond` holds (polled every 20 ms); fails after `ms`. A loaded machine takes longer than a fixed wait. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
