import assert from 'node:assert/strict';
import { isFault } from '../../src/core/faults';
import { terminalVariables } from '../../src/core/terminal-env';
import { Vault, VAULT_KEY } from '../../src/core/vault';
import { defaultsOf, KEY_A, KEY_B, KEY_OPENAI, MemorySecretStore } from './helpers';

const apiKey = (key: string) => ({ type: 'api_key' as const, key });

describe('vault', () => {
  let store: MemorySecretStore;
  let vault: Vault;
  beforeEach(async () => {
    store = new MemorySecretStore();
    vault = new Vault(store);
    await vault.load();
  });

  it('makes the first account of a provider its default, later ones not', async () => {
    const a = await vault.add('anthropic', 'work', apiKey(KEY_A));
    const b = await vault.add('anthropic', 'personal', apiKey(KEY_B));
    assert.equal(a.isDefault, true);
    assert.equal(b.isDefault, false);
    assert.equal(vault.inUse('anthropic')?.name, 'work');
  });

  it('refuses a name already used for that provider (name-collision) and changes nothing', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    const before = store.map.get(VAULT_KEY);
    await assert.rejects(vault.add('anthropic', 'work', apiKey(KEY_B)), (e) => isFault(e, 'name-collision'));
    assert.equal(store.map.get(VAULT_KEY), before);
    await vault.add('openai', 'work', apiKey(KEY_OPENAI)); // the same name for another provider is fine
  });

  it('rejects unknown providers and bad names with typed faults', async () => {
    await assert.rejects(vault.add('nope', 'work', apiKey(KEY_A)), (e) => isFault(e, 'unknown-provider'));
    await assert.rejects(vault.add('anthropic', 'bad name', apiKey(KEY_A)), (e) => isFault(e, 'invalid-account'));
    await assert.rejects(vault.remove('anthropic', 'ghost'), (e) => isFault(e, 'not-found'));
    await assert.rejects(vault.setInUse('anthropic', 'ghost'), (e) => isFault(e, 'not-found'));
  });

  it('moves the default to a remaining account when the default signs out', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await vault.add('anthropic', 'personal', apiKey(KEY_B));
    await vault.remove('anthropic', 'work');
    assert.equal(vault.inUse('anthropic')?.name, 'personal');
    await vault.remove('anthropic', 'personal');
    assert.deepEqual(vault.providers(), []);
  });

  it('keeps secrets in the secret store only, and never in what it hands out', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    const shown = JSON.stringify(vault.accounts());
    assert.ok(!shown.includes(KEY_A));
    assert.ok(store.map.get(VAULT_KEY)!.includes(KEY_A));
  });

  it('survives a reload (a new window on the same storage)', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    const again = new Vault(store.sibling());
    await again.load();
    assert.deepEqual(again.credential('anthropic', 'work'), apiKey(KEY_A));
  });

  it("sees another window's change through the store's change event", async () => {
    const other = new Vault(store.sibling());
    await other.load();
    const seen = new Promise<string>((resolve) => other.onDidChange((c) => resolve(c.reason)));
    const watch = other.watch();
    await vault.add('openai', 'ci', apiKey(KEY_OPENAI));
    assert.equal(await seen, 'external');
    assert.equal(other.inUse('openai')?.name, 'ci');
    watch.dispose();
  });

  it('does not lose an account added by another window in between (fresh read before write)', async () => {
    const other = new Vault(store.sibling());
    await other.load();
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await other.add('openai', 'ci', apiKey(KEY_OPENAI)); // `other` has not reloaded yet
    await vault.load();
    assert.deepEqual(
      vault
        .accounts()
        .map((a) => `${a.provider}/${a.name}`)
        .sort(),
      ['anthropic/work', 'openai/ci'],
    );
  });

  it('serialises concurrent sign-ins in one window: none is lost', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => vault.add('openai', `acct-${i}`, apiKey(`${KEY_OPENAI}${i}`))),
    );
    assert.equal(vault.accounts('openai').length, 20);
  });

  it('refuses to write over a vault secret it cannot parse', async () => {
    store.map.set(VAULT_KEY, '{"version":1,"providers":{"anthropic":');
    await assert.rejects(new Vault(store).load(), (e) => isFault(e, 'vault'));
    await assert.rejects(vault.add('openai', 'x', apiKey(KEY_OPENAI)), (e) => isFault(e, 'vault'));
    assert.equal(store.map.get(VAULT_KEY), '{"version":1,"providers":{"anthropic":');
  });

  it('reports a failing secret store as a vault fault and keeps the old state', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    store.store = async () => {
      throw new Error('keyring locked');
    };
    await assert.rejects(
      vault.add('anthropic', 'second', apiKey(KEY_B)),
      (e) => isFault(e, 'vault') && /keyring locked/.test(e.message),
    );
    assert.deepEqual(
      vault.accounts().map((a) => a.name),
      ['work'],
    );
  });

  it('exports each default key once, and a shared variable goes to the first provider listed', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await vault.add('anthropic', 'personal', apiKey(KEY_B));
    await vault.add('opencode-go', 'go', apiKey(`${KEY_OPENAI}go`));
    await vault.add('opencode', 'zen', apiKey(`${KEY_OPENAI}zen`));
    const vars = Object.fromEntries(
      terminalVariables(vault, defaultsOf(vault)).map((v) => [v.variable, `${v.provider}/${v.account}`]),
    );
    assert.deepEqual(vars, { ANTHROPIC_API_KEY: 'anthropic/work', OPENCODE_API_KEY: 'opencode/zen' });
    await vault.setInUse('anthropic', 'personal');
    assert.equal(
      terminalVariables(vault, defaultsOf(vault)).find((v) => v.variable === 'ANTHROPIC_API_KEY')?.value,
      KEY_B,
    );
  });
});
