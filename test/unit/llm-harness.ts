// The bridge on pi-ai (the unbundled module, as tests load it) with accounts whose requests go to
// the loopback model emulators (test/emulators/models.mjs, plain ESM shared with the host scenarios).
import type { IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelBridge, type BridgeDeps } from '../../src/core/llm/model-bridge';
import type { RotationMode } from '../../src/core/rotation/policy';
import { UsageLedger } from '../../src/core/llm/ledger';
import * as models from '../../src/core/llm/models';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { feedbackInto } from '../../src/core/outlet';
import { KeyResolver } from '../../src/core/resolver';
import { Rotation } from '../../src/core/rotation/rotation';
import { Vault } from '../../src/core/vault';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { quiet } from './window';

// The model emulators are plain ESM shared with the host scenarios (test/emulators/models.mjs).
export type Seen = {
  path: string;
  headers: IncomingMessage['headers'];
  // What a client sent, read by assertions of any shape.
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  closedEarly: boolean;
};
export type Emulator = {
  base: string;
  seen: Seen[];
  state: { hang: boolean; text: string };
  answer(key: string, status: number, extra?: object): void;
  close(): Promise<void>;
};
export const emulators = () =>
  import(pathToFileURL(resolve(__dirname, '../../../test/emulators/models.mjs')).href) as Promise<{
    startModelEmulator(): Promise<Emulator>;
    codexToken(account: string): string;
  }>;

/** A bridge on pi-ai (the unbundled module, as tests load it) with accounts whose requests go to the emulator. */
export async function bridgeWith(
  em: Emulator,
  accounts: [provider: string, name: string, key: string, oauth?: boolean, env?: Record<string, string>][],
  paths: Record<string, string>,
  /** The window's settings (piAccounts.models.subscriptionSignIns is off unless a test turns it on), diagnostics, the rotation mode. */
  o: { subscriptionSignIns?: boolean; mode?: RotationMode } & Pick<BridgeDeps, 'diagnostics'> = {},
) {
  const t = tempDir();
  const store = new MemorySecretStore();
  const vault = new Vault(store);
  await vault.load();
  for (const [provider, name, key, oauth, env] of accounts)
    await vault.add(
      provider,
      name,
      oauth
        ? { type: 'oauth', access: key, refresh: 'r', expires: Date.now() + 3_600_000 }
        : { type: 'api_key', key, ...(env ? { env } : {}) },
    );
  const rotation = new Rotation({
    vault,
    settings: { mode: () => o.mode ?? 'round-robin', threshold: () => 80, maxInFlightPerAccount: () => 1 },
    usage: () => undefined,
    store,
    log: quiet,
  });
  await rotation.load();
  const resolver = new KeyResolver({
    vault,
    oauth: () => undefined,
    log: quiet,
    inUse: defaultsOf(vault),
    locked: lockedRun({ inUse: defaultsOf(vault), mirror: () => undefined, privateLock: `${t.dir}/p` }),
  });
  const served: string[] = [];
  const ledger = new UsageLedger({ get: () => undefined, set: () => undefined });
  const feedback = feedbackInto({ vault, rotation, usageSeen: () => undefined });
  const bridge = new ModelBridge({
    vault,
    resolver,
    rotation,
    feedback,
    log: { ...quiet, info: (m) => void served.push(m) },
    load: async () => models,
    testRoute: (p) => (p in paths || !Object.keys(paths).length ? `${em.base}${paths[p] ?? ''}` : undefined),
    onUsage: (p, a, i, o, c) => ledger.add(p, a, i, o, c),
    diagnostics: o.diagnostics,
    subscriptionModels: () => o.subscriptionSignIns ?? false,
  });
  return { bridge, vault, rotation, feedback, served, ledger, t };
}
