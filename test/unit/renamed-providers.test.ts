// pi 1.0.3 renamed Azure's provider id from azure-openai-responses to azure: accounts saved under
// the old id move (no new sign-in), and the old auth.json / models.json entries go only when they
// are still the ones Pi Accounts wrote. pi 1.x (its own ModelRuntime) then reads the account.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { fingerprint, MIRROR_STATE_KEY, MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { MODELS_STATE_KEY, ModelsMirror } from '../../src/core/mirror/models-mirror';
import { moveRenamedProviders } from '../../src/core/renamed-providers';
import { ROTATION_KEY } from '../../src/core/rotation/rotation';
import { Vault, VAULT_KEY } from '../../src/core/vault';
import { defaultsOf, MemorySecretStore, tempDir } from './helpers';
import { piRuntime } from './pi1';

const KEY = 'azure-key-0123456789abcdef';
const OLD = 'azure-openai-responses';

/** What an older Pi Accounts left behind: accounts, active account, auth.json and models.json entries it wrote. */
function olderVersion(dir: string, entryChangedByHand = false) {
  const authPath = join(dir, 'auth.json');
  const modelsPath = join(dir, 'models.json');
  const account = (name: string, key: string) => ({
    name,
    createdAt: 1,
    credential: { type: 'api_key', key, env: { AZURE_OPENAI_RESOURCE_NAME: 'my-res' } },
    request: { headers: { 'X-Team': 'blue' } },
  });
  const store = new MemorySecretStore();
  void store.store(
    VAULT_KEY,
    JSON.stringify({
      version: 1,
      providers: {
        [OLD]: { default: 'prod', accounts: [account('prod', KEY), account('dev', `${KEY}-dev`)] },
        azure: { default: 'dev', accounts: [account('dev', `${KEY}-new`)] },
      },
    }),
  );
  void store.store(ROTATION_KEY, JSON.stringify({ [OLD]: { active: 'prod', cooldowns: {} } }));
  const entry = { type: 'api_key', key: entryChangedByHand ? `${KEY}-mine` : KEY };
  writeFileSync(authPath, JSON.stringify({ [OLD]: entry, groq: { type: 'api_key', key: 'gsk-theirs-0123456789' } }));
  writeFileSync(modelsPath, JSON.stringify({ providers: { [OLD]: { headers: { 'X-Team': 'blue' } } } }));
  void store.store(
    MIRROR_STATE_KEY,
    JSON.stringify({
      owned: { [authPath]: { [OLD]: fingerprint({ type: 'api_key', key: KEY }) } },
      accounts: { [authPath]: { [OLD]: 'prod' } },
    }),
  );
  void store.store(
    MODELS_STATE_KEY,
    JSON.stringify({ [modelsPath]: { [OLD]: fingerprint({ headers: { 'X-Team': 'blue' } }) } }),
  );
  return { store, authPath, modelsPath };
}

describe('provider ids pi renamed (azure-openai-responses → azure)', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('moves the accounts and the active one without a new sign-in; the old auth.json and models.json entries we wrote go; pi 1.x reads the account', async () => {
    const { store, authPath, modelsPath } = olderVersion(t.dir);
    assert.deepEqual(await moveRenamedProviders(store), [`${OLD} → azure (2 accounts)`]);
    assert.deepEqual(await moveRenamedProviders(store), [], 'once');
    const vault = new Vault(store);
    await vault.load();
    assert.deepEqual(
      vault.accounts('azure').map((a) => [a.name, a.isDefault]),
      [
        ['dev', true],
        ['prod', false],
        ['dev-2', false],
      ],
      'accounts already under the new id stay; a taken name gets "-2"',
    );
    assert.equal(vault.accounts(OLD).length, 0);
    assert.deepEqual(JSON.parse((await store.get(ROTATION_KEY))!), { azure: { active: 'prod', cooldowns: {} } });
    assert.deepEqual(vault.credential('azure', 'prod'), {
      type: 'api_key',
      key: KEY,
      env: { AZURE_OPENAI_RESOURCE_NAME: 'my-res' },
    });

    const inUse = { inUse: () => vault.account('azure', 'prod') };
    const report = await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => authPath,
      () => undefined,
      inUse,
    ).sync();
    assert.deepEqual(report.removed, [OLD]);
    assert.deepEqual(JSON.parse(readFileSync(authPath, 'utf8')), {
      groq: { type: 'api_key', key: 'gsk-theirs-0123456789' },
      azure: { type: 'api_key', key: KEY, env: { AZURE_OPENAI_RESOURCE_NAME: 'my-res' } },
    });
    await new ModelsMirror(vault, store, () => modelsPath, inUse).sync();
    assert.deepEqual(JSON.parse(readFileSync(modelsPath, 'utf8')), {
      providers: { azure: { headers: { 'X-Team': 'blue' } } },
    });

    const pi = await piRuntime(authPath, modelsPath);
    const got = await pi.getAuth(pi.getModels('azure')[0]);
    assert.deepEqual(
      { key: got?.auth.apiKey, env: got?.env, team: got?.auth.headers?.['X-Team'] },
      { key: KEY, env: { AZURE_OPENAI_RESOURCE_NAME: 'my-res' }, team: 'blue' },
    );
  });

  it('an old entry someone changed since we wrote it stays', async () => {
    const { store, authPath } = olderVersion(t.dir, true);
    await moveRenamedProviders(store);
    const vault = new Vault(store);
    await vault.load();
    const r = await new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => authPath,
      () => undefined,
      defaultsOf(vault),
    ).sync();
    assert.deepEqual(r.removed, []);
    const data = JSON.parse(readFileSync(authPath, 'utf8'));
    assert.equal(data[OLD].key, `${KEY}-mine`);
    assert.equal(data.azure.key, `${KEY}-new`);
  });
});
