// The language-model bridge (src/core/llm/model-bridge.ts) when pi's provider layer cannot be
// loaded: the fault says what happened (not "not found", which would send a person to sign in).
import assert from 'node:assert/strict';
import { isFault } from '../../src/core/faults';
import { callerCode } from '../../src/core/llm/errors';
import { ModelBridge, type PiModels } from '../../src/core/llm/model-bridge';
import { lockedRun } from '../../src/core/mirror/locked-run';
import { KeyResolver } from '../../src/core/resolver';
import { Vault } from '../../src/core/vault';
import { defaultsOf, KEY_A, MemorySecretStore, tempDir } from './helpers';
import { quiet } from './window';

describe('model bridge', () => {
  it('a model layer that fails to load is a model-layer-failed fault, and the next call loads again', async () => {
    const t = tempDir();
    try {
      const vault = new Vault(new MemorySecretStore());
      await vault.load();
      await vault.add('anthropic', 'work', { type: 'api_key', key: KEY_A });
      let loads = 0;
      let broken = true;
      const catalog: PiModels['catalog'] = async () => ({});
      const bridge = new ModelBridge({
        vault,
        resolver: new KeyResolver({
          vault,
          oauth: () => undefined,
          log: quiet,
          inUse: defaultsOf(vault),
          locked: lockedRun({ inUse: defaultsOf(vault), mirror: () => undefined, privateLock: `${t.dir}/lock` }),
        }),
        rotation: { inUse: () => undefined, cooldownOf: () => undefined },
        feedback: { rateLimited: () => undefined, refused: async () => undefined },
        log: quiet,
        load: () => {
          loads++;
          return broken
            ? Promise.reject(new Error('Cannot find module dist/pi-ai.js'))
            : Promise.resolve({
                catalog,
                streamModel: () => (async function* () {})(),
                storeServes: async () => false,
              });
        },
      });
      const failed = (e: unknown) =>
        isFault(e, 'model-layer-failed') &&
        !e.retryable &&
        e.message.includes('could not load its model layer: Cannot find module dist/pi-ai.js') &&
        e.nextStep === 'Reinstall the extension; the log has the details.' &&
        // A caller of vscode.lm is not told to sign in (NoPermissions) for a damaged install.
        callerCode(e) === 'Unknown';
      await assert.rejects(bridge.models(), failed);
      const chat = bridge.chat('anthropic', { model: 'claude-x', system: '', maxTokens: 10, messages: [] });
      await assert.rejects(chat.next(), failed);
      assert.equal(loads, 2, 'a failed load is not cached');
      broken = false;
      assert.deepEqual(await bridge.models(), {});
      assert.equal(loads, 3);
    } finally {
      t.cleanup();
    }
  });
});
