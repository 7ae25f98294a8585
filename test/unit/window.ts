import { join } from 'node:path';
import type { Logger } from '../../src/core/log';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { routedOAuth } from './pi-routing';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import type { HttpOptions } from '../../src/core/http';
import type { RetryOptions } from '../../src/core/retry';
import { Vault } from '../../src/core/vault';
import { defaultsOf, type MemorySecretStore } from './helpers';

export const quiet: Logger = {
  trace: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * What one VS Code window runs on a shared auth.json, wired like the extension does: its vault
 * over `store`, the mirror, and the key resolver refreshing Anthropic tokens at `tokenUrl`.
 */
export async function openWindow(
  store: MemorySecretStore,
  dir: string,
  tokenUrl: string,
  o: { retry?: RetryOptions; http?: HttpOptions; log?: Logger } = {},
) {
  const vault = new Vault(store);
  await vault.load();
  vault.watch();
  const oauth = (id: string) => (id === 'anthropic' ? routedOAuth('anthropic', { tokenUrl }) : undefined);
  const mirror = new AuthMirror(
    vault,
    new MirrorStateStore(store),
    () => join(dir, 'auth.json'),
    oauth,
    defaultsOf(vault),
  );
  const locked = lockedRun({ inUse: defaultsOf(vault), mirror: () => mirror, privateLock: join(dir, 'private.lock') });
  const resolver = new KeyResolver({
    vault,
    oauth,
    log: o.log ?? quiet,
    retry: o.retry,
    http: () => o.http,
    inUse: defaultsOf(vault),
    locked,
  });
  return { vault, mirror, resolver, locked, oauth };
}
