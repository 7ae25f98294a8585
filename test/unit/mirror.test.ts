import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFault } from '../../src/core/faults';
import { AuthMirror } from '../../src/core/mirror/auth-mirror';
import { MirrorStateStore } from '../../src/core/mirror/mirror-state';
import { oauthProvider } from '../../src/core/providers/registry';
import { Vault } from '../../src/core/vault';
import { defaultsOf, KEY_A, KEY_B, KEY_OPENAI, MemorySecretStore, tempDir } from './helpers';

const apiKey = (key: string) => ({ type: 'api_key' as const, key });

describe('auth.json mirror: what it writes and what it leaves alone', () => {
  let t: ReturnType<typeof tempDir>;
  let path: string;
  let vault: Vault;
  let mirror: AuthMirror;
  let store: MemorySecretStore;
  const read = () => JSON.parse(readFileSync(path, 'utf8'));

  beforeEach(async () => {
    t = tempDir();
    path = join(t.dir, 'auth.json');
    store = new MemorySecretStore();
    vault = new Vault(store);
    await vault.load();
    mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      () => undefined,
      defaultsOf(vault),
    );
  });
  afterEach(() => t.cleanup());

  it('writes the default account of each provider', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await vault.add('anthropic', 'personal', apiKey(KEY_B));
    await vault.add('openai', 'ci', apiKey(KEY_OPENAI));
    const r = await mirror.sync();
    assert.equal(r.written, true);
    assert.deepEqual(read(), {
      anthropic: { type: 'api_key', key: KEY_A },
      openai: { type: 'api_key', key: KEY_OPENAI },
    });
    await vault.setInUse('anthropic', 'personal');
    await mirror.sync();
    assert.equal(read().anthropic.key, KEY_B);
  });

  it('does not rewrite an unchanged file', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await mirror.sync();
    assert.equal((await mirror.sync()).written, false);
  });

  it('sign-out removes only entries it wrote and nobody changed since', async () => {
    writeFileSync(path, JSON.stringify({ groq: { type: 'api_key', key: 'someone-elses-groq-key-000' } }));
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await vault.add('openai', 'ci', apiKey(KEY_OPENAI));
    await mirror.sync();
    // pi (or a person) replaces the openai entry
    const edited = { ...read(), openai: { type: 'api_key', key: 'edited-by-hand-0000000000' } };
    writeFileSync(path, JSON.stringify(edited));
    await vault.removeProvider('anthropic');
    await vault.removeProvider('openai');
    const r = await mirror.sync();
    assert.deepEqual(r.removed, ['anthropic']);
    assert.deepEqual(read(), {
      groq: { type: 'api_key', key: 'someone-elses-groq-key-000' },
      openai: { type: 'api_key', key: 'edited-by-hand-0000000000' },
    });
  });

  it('never replaces a foreign entry silently: reports a conflict, replaces only when asked', async () => {
    const foreign = { type: 'oauth', refresh: 'r', access: 'a', expires: 1 };
    writeFileSync(path, JSON.stringify({ anthropic: foreign }));
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    const r = await mirror.sync();
    assert.deepEqual(r.conflicts, ['anthropic']);
    assert.deepEqual(read().anthropic, foreign);
    await mirror.sync(['anthropic']);
    assert.deepEqual(read().anthropic, { type: 'api_key', key: KEY_A });
  });

  it('a hand edit of an entry it wrote is theirs from then on', async () => {
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await mirror.sync();
    writeFileSync(path, JSON.stringify({ anthropic: { type: 'api_key', key: 'hand-edited-key-00000000' } }));
    await vault.add('anthropic', 'personal', apiKey(KEY_B));
    await vault.setInUse('anthropic', 'personal');
    const r = await mirror.sync();
    assert.deepEqual(r.conflicts, ['anthropic']);
    assert.equal(read().anthropic.key, 'hand-edited-key-00000000');
  });

  it('leaves a corrupt file byte-for-byte unchanged and says so with a typed fault', async () => {
    writeFileSync(path, '{"anthropic": {"type": "api_ke');
    await vault.add('anthropic', 'work', apiKey(KEY_A));
    await assert.rejects(mirror.sync(), (e) => isFault(e, 'mirror-corrupt'));
    assert.equal(readFileSync(path, 'utf8'), '{"anthropic": {"type": "api_ke');
  });

  it('offers literal api keys for import, never commands or env-var references', async () => {
    writeFileSync(
      path,
      JSON.stringify({
        anthropic: { type: 'api_key', key: KEY_A },
        openai: { type: 'api_key', key: '!op read op://vault/openai/key' },
        groq: { type: 'api_key', key: '${GROQ_API_KEY}' },
        deepseek: { type: 'api_key', key: 'sk-DEEPSEEK_LITERAL_KEY_$$_0123' },
        mistral: { type: 'api_key', key: 'short' },
        'github-copilot': { type: 'oauth', refresh: 'r', access: 'a', expires: 1 },
        'not-a-provider': { type: 'api_key', key: KEY_B },
      }),
    );
    assert.deepEqual(
      (await mirror.scanImports()).skipped.map((s) => s.provider).sort(),
      ['github-copilot', 'groq', 'mistral', 'openai'],
      'without an OAuth implementation a sign-in is not imported',
    );
    // With the OAuth providers known, the Copilot sign-in pi's /login wrote is offered too.
    mirror = new AuthMirror(
      vault,
      new MirrorStateStore(store),
      () => path,
      (id) => oauthProvider(id),
      defaultsOf(vault),
    );
    const scan = await mirror.scanImports();
    assert.deepEqual(
      scan.candidates.map((c) => [c.provider, c.keyTail]),
      [
        ['anthropic', '…1111'],
        ['deepseek', '…0123'],
        ['github-copilot', '…'],
      ],
    );
    // pi 1.x reads "$$" as "$" and a bare NAME literally (pi-values.ts): so does the import.
    assert.equal(
      scan.candidates[1].credential.type === 'api_key' && scan.candidates[1].credential.key,
      'sk-DEEPSEEK_LITERAL_KEY_$_0123',
    );
    assert.match(scan.skipped.find((s) => s.provider === 'groq')!.why, /environment variable GROQ_API_KEY/);
    assert.deepEqual(scan.skipped.map((s) => s.provider).sort(), ['groq', 'mistral', 'openai']);
    const before = readFileSync(path, 'utf8');
    const names = await mirror.import(scan.candidates);
    assert.deepEqual(names, [
      { provider: 'anthropic', account: 'default' },
      { provider: 'deepseek', account: 'default' },
      { provider: 'github-copilot', account: 'default' },
    ]);
    assert.deepEqual(vault.credential('anthropic', 'default'), { type: 'api_key', key: KEY_A });
    assert.equal(vault.accounts('github-copilot')[0].kind, 'oauth');
    assert.equal((await mirror.sync()).written, false);
    assert.equal(readFileSync(path, 'utf8'), before, 'the commands and references were not touched');
    // Imported entries are managed from now on: signing out removes it
    await vault.remove('anthropic', 'default');
    await mirror.sync();
    assert.equal(read().anthropic, undefined);
    assert.equal(read().openai.key, '!op read op://vault/openai/key');
  });
});
